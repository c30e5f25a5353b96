// The `trk fence` stage (see track/fence_stage.hpp): hysteresis, minimum dwell, accuracy, state.
#include "track/json_limits.hpp"
#include "track/fence_stage.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <simdjson.h>

#include "track/error.hpp"
#include "track/json_state.hpp"
#include "track/json_writer.hpp"

namespace track {

namespace {

// The layout of the state files save_state writes (see StateFileWriter's versioning rule).
constexpr int state_version = 1;

// The radius in metres within which the fix's true position lies (about 95%): twice the
// larger GST 1-sigma error, else hdop times the range error, else 0 (unknown: trusted).
double error_radius(const Fix& fix, double uere_m) {
    if (fix.lat_err && fix.lon_err) return 2 * std::max(*fix.lat_err, *fix.lon_err);
    if (fix.hdop) return *fix.hdop * uere_m;
    return 0;
}

// Milliseconds from a fence property in seconds, else the default.
Millis seconds_property(const Fence& fence, std::string_view name, Millis fallback) {
    const auto s = fence.number_property(name);
    return s && *s >= 0 ? static_cast<Millis>(std::llround(*s * 1000)) : fallback;
}

// Sets `out` to the fences that the step from (lat, lon), held by the fences `from`, to the
// fix, held by `to`, meets, but those holding either end (no crossing: skipped before the
// edge tests). `ends` is scratch.
void step_crossings(const FenceIndex& index, double lat, double lon, const std::vector<std::size_t>& from,
                    const Fix& fix, const std::vector<std::size_t>& to, std::vector<std::size_t>& ends,
                    std::vector<std::size_t>& out) {
    ends.assign(from.begin(), from.end());
    ends.insert(ends.end(), to.begin(), to.end());
    std::sort(ends.begin(), ends.end());
    index.crossing(lat, lon, fix.lat, fix.lon, out, &ends);
}

}  // namespace

FenceStage::FenceStage(const FenceIndex& index, FenceStageOptions options, Sink sink)
    : index_(index), options_(options), sink_(std::move(sink)) {
    for (std::size_t i = 0; i < index.fences().size(); ++i) {
        const Fence& fence = index.fences()[i];
        by_id_.emplace(fence.id(), i);
        Settings s{fence.number_property("margin").value_or(options_.margin_m),
                   seconds_property(fence, "min_dwell", options_.min_dwell), options_.dwell};
        if (const auto dwell = fence.number_property("dwell"); dwell && *dwell >= 0) {
            s.dwell = static_cast<Millis>(std::llround(*dwell * 1000));
        }
        settings_.push_back(s);
    }
}

void FenceStage::append_visit(const std::string& asset, const Fence& fence, Millis entered) {
    visit_.assign(fence.id());
    visit_ += '/';
    visit_ += asset;
    visit_ += '/';
    char time[32];
    visit_.append(time, write_rfc3339(time, entered));
    JsonWriter::extra_members(members_).key("visit").string(visit_);
}

void FenceStage::append_seconds(std::string_view name, Millis ms) {
    JsonWriter::extra_members(members_).key(name).rounded(static_cast<double>(ms) / 1000.0, 3);
}

void FenceStage::emit(std::string_view kind, const Fix& fix, const Fence& fence, Millis time) {
    // One Event reused: its strings keep their storage from event to event.
    event_.time = time;
    event_.asset.assign(fix.asset);
    event_.event.assign(kind);
    event_.fence.assign(fence.id());
    event_.src.assign(fix.src);
    event_.extra.clear();
    if (fix.asset.empty() && !fix.device.empty()) {
        fmt::memory_buffer device;
        JsonWriter::extra_members(device).key("device").string(fix.device);
        event_.extra.append(device.data(), device.size());
    }
    event_.extra.append(members_.data(), members_.size());
    members_.clear();
    ++counts_.events;
    sink_(event_);
}

void FenceStage::decide(const Fix& fix, const std::string& asset, std::size_t index, bool covered, Membership& m,
                        double error_m) {
    const Fence& fence = index_.fences()[index];
    const Settings& settings = settings_[index];
    const Millis min_dwell = settings.min_dwell;
    const double needed = std::max(settings.margin_m, error_m);
    // Signed distance to the boundary: positive inside. Without a band only the side
    // matters (the index said it); far from the edge (beyond the local approximation) too.
    double d = covered ? 1e9 : -1e9;
    if (needed > 0) {
        if (const auto measured = boundary_distance_m(fence, fix.lat, fix.lon)) d = *measured;
    }
    // A fix counts for the other state only beyond the band (margin, and its own error
    // radius); inside the band it neither changes the state nor cancels a pending change.
    const bool for_change = m.inside ? d <= -needed && d < 0 : d >= needed && d >= 0;
    const bool for_current = m.inside ? d >= 0 && d >= error_m : d < 0 && -d >= error_m;
    if (for_change) {
        if (!m.pending) m.pending = fix.time;
        if (fix.time - *m.pending >= min_dwell) {
            const Millis at = *m.pending;
            m.pending.reset();
            if (!m.inside) {
                m.inside = true;
                m.known = true;
                m.entered = at;
                m.dwell_done = false;
                if (options_.events.enter) {
                    append_visit(asset, fence, at);
                    emit("enter", fix, fence, at);
                }
            } else {
                m.inside = false;
                if (options_.events.exit) {
                    append_visit(asset, fence, m.entered);
                    append_seconds("dwell_s", at - m.entered);
                    emit("exit", fix, fence, at);
                }
            }
        }
    } else if (for_current) {
        m.pending.reset();
    }
    if (m.inside && !m.dwell_done && options_.events.dwell) {
        const std::optional<Millis>& dwell = settings.dwell;
        if (dwell && fix.time - m.entered >= *dwell) {
            m.dwell_done = true;
            append_visit(asset, fence, m.entered);
            append_seconds("dwell_s", *dwell);
            emit("dwell", fix, fence, m.entered + *dwell);
        }
    }
}

void FenceStage::fix(Fix& fix) {
    if (fix.mode == FixMode::none) return;
    index_.containing(fix.lat, fix.lon, lookup_.covering);
    lookup_.has_from = false;
    this->fix(fix, lookup_);
}

void FenceStage::fix(Fix& fix, const FenceLookup& lookup) {
    if (fix.mode == FixMode::none) return;
    const std::string& asset = subject_of(fix);
    // The asset's state by the scout's number for it (no hashing of the name), else by name.
    AssetState* state = lookup.asset < by_number_.size() ? by_number_[lookup.asset] : nullptr;
    if (state == nullptr) {
        state = &assets_[asset];  // elements of an unordered_map stay where they are
        if (lookup.asset != FenceLookup::no_asset) {
            if (lookup.asset >= by_number_.size()) by_number_.resize(lookup.asset + 1, nullptr);
            by_number_[lookup.asset] = state;
        }
    }
    AssetState& st = *state;
    if (st.has_last && fix.time < st.last_time) {
        ++counts_.out_of_order;
        return;
    }
    ++counts_.fixes;
    const double error_m = error_radius(fix, options_.uere_m);

    // The fences that can change: those holding the fix, and those the asset is in or
    // about to change for.
    const std::vector<std::size_t>& covering = lookup.covering;
    std::vector<std::size_t>& candidates = candidates_;
    candidates.assign(covering.begin(), covering.end());
    for (const auto& [i, m] : st.fences) {
        if (m.inside || m.pending || (m.known && options_.events.outside)) candidates.push_back(i);
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (const std::size_t i : candidates) {
        const bool covered = std::binary_search(covering.begin(), covering.end(), i);
        decide(fix, asset, i, covered, st.fences[i], error_m);
    }

    // A pass through a fence between two fixes, neither of them in it.
    if (options_.events.cross && st.has_last && (st.lat != fix.lat || st.lon != fix.lon)) {
        // The fences the step meets, but those holding either end: the scout's lookup when
        // it stepped from the same place, else the stage's own.
        const bool scouted = lookup.has_from && lookup.from_lat == st.lat && lookup.from_lon == st.lon;
        if (!scouted) {
            step_crossings(index_, st.lat, st.lon, st.covering, fix, covering, ends_, scratch_);
        }
        for (const std::size_t i : scouted ? lookup.crossing : scratch_) {
            const Fence& fence = index_.fences()[i];
            const auto it = st.fences.find(i);
            if (it != st.fences.end() && (it->second.inside || it->second.pending)) continue;
            JsonWriter::extra_members(members_).key("from").time(st.last_time);
            emit("cross", fix, fence, fix.time);
        }
    }

    std::vector<std::string> zones;
    for (const std::size_t i : candidates) {
        const Fence& fence = index_.fences()[i];
        const Membership& m = st.fences[i];
        if (m.inside) {
            zones.push_back(fence.id());
            if (options_.events.inside) emit("inside", fix, fence, fix.time);
        } else if (options_.events.outside && m.known) {
            emit("outside", fix, fence, fix.time);
        }
    }
    // Forget fences that hold nothing: memory follows what assets are in, not history.
    for (auto it = st.fences.begin(); it != st.fences.end();) {
        const Membership& m = it->second;
        if (!m.inside && !m.pending && !(m.known && options_.events.outside)) it = st.fences.erase(it);
        else ++it;
    }
    fix.zones = std::move(zones);
    st.covering.assign(covering.begin(), covering.end());
    st.last_time = fix.time;
    st.lat = fix.lat;
    st.lon = fix.lon;
    st.has_last = true;
}

std::vector<FenceStage::LastFix> FenceStage::last_fixes() const {
    std::vector<LastFix> out;
    for (const auto& [asset, st] : assets_) {
        if (st.has_last) out.push_back({asset, st.last_time, st.lat, st.lon, st.covering});
    }
    return out;
}

FenceScout::FenceScout(const FenceIndex& index, const FenceStage& stage)
    : index_(index), crossings_(stage.options().events.cross) {
    for (const FenceStage::LastFix& last : stage.last_fixes()) {
        assets_.emplace(last.asset, Last{assets_.size(), last.time, last.lat, last.lon,
                                         std::vector<std::size_t>(last.covering.begin(), last.covering.end())});
    }
}

void FenceScout::look(const Fix& fix, FenceLookup& lookup, bool crossing) {
    lookup.has_from = false;
    lookup.asset = FenceLookup::no_asset;
    lookup.covering.clear();
    if (fix.mode == FixMode::none) return;
    index_.containing(fix.lat, fix.lon, lookup.covering);
    const auto [it, first] = assets_.try_emplace(subject_of(fix));
    Last& last = it->second;
    if (first) last.number = assets_.size() - 1;
    lookup.asset = last.number;
    if (!first) {
        if (fix.time < last.time) return;  // out of order: the stage does not use it
        if (crossing && crossings_ && (last.lat != fix.lat || last.lon != fix.lon)) {
            step_crossings(index_, last.lat, last.lon, last.covering, fix, lookup.covering, ends_, lookup.crossing);
            lookup.from_lat = last.lat;
            lookup.from_lon = last.lon;
            lookup.has_from = true;
        }
    }
    last.time = fix.time;
    last.lat = fix.lat;
    last.lon = fix.lon;
    last.covering.assign(lookup.covering.begin(), lookup.covering.end());
}

std::string FenceStage::save_state() const {
    StateFileWriter file("fence", state_version);
    JsonWriter& w = file.json();
    w.key("assets").begin_object();
    std::map<std::string_view, const AssetState*> sorted;  // a stable order: the same state, the same file
    for (const auto& [asset, st] : assets_) sorted.emplace(asset, &st);
    for (const auto& [asset, state] : sorted) {
        const AssetState& st = *state;
        w.key(asset).begin_object();
        w.key("last").integer(st.last_time);
        w.key("lat").fixed(st.lat, 7);
        w.key("lon").fixed(st.lon, 7);
        w.key("fences").begin_object();
        std::map<std::string_view, const Membership*> by_id;  // saved by id: stable across fence files
        for (const auto& [i, m] : st.fences) by_id.emplace(index_.fences()[i].id(), &m);
        for (const auto& [id, membership] : by_id) {
            const Membership& m = *membership;
            w.key(id).begin_object();
            w.key("inside").boolean(m.inside);
            w.key("entered").integer(m.entered);
            w.key("dwell_done").boolean(m.dwell_done);
            w.key("known").boolean(m.known);
            if (m.pending) w.key("pending").integer(*m.pending);
            w.end_object();
        }
        w.end_object().end_object();
    }
    w.end_object();
    return file.finish();
}

void FenceStage::load_state(std::string_view json, const std::string& where) {
    StateFileReader reader("fence", state_version, where);
    const simdjson::dom::object doc = reader.read(json);
    simdjson::dom::object assets;
    if (doc["assets"].get_object().get(assets) != simdjson::SUCCESS) reader.fail("no assets object");
    // A state file is input too: what it says must be what the stage itself could have saved,
    // or its events carry absurd times (visits entered in year 34130741) and dwells.
    for (const auto [asset, value] : assets) {
        if (asset.empty()) reader.fail("an asset without a name");
        AssetState st;
        st.has_last = true;
        simdjson::dom::object fences;
        if (value["last"].get_int64().get(st.last_time) != simdjson::SUCCESS ||
            value["lat"].get_double().get(st.lat) != simdjson::SUCCESS ||
            value["lon"].get_double().get(st.lon) != simdjson::SUCCESS ||
            value["fences"].get_object().get(fences) != simdjson::SUCCESS) {
            reader.fail(fmt::format("asset {} is incomplete", asset));
        }
        reader.check_time(st.last_time, "last", asset);
        if (!(st.lat >= -90 && st.lat <= 90 && st.lon >= -180 && st.lon <= 180)) {
            reader.fail(fmt::format("the position of asset {} is out of range", asset));
        }
        // The fences holding the last fix, which the next step's crossings leave out.
        index_.containing(st.lat, st.lon, st.covering);
        for (const auto [id, f] : fences) {
            Membership m;
            std::int64_t entered = 0;
            if (f["inside"].get_bool().get(m.inside) != simdjson::SUCCESS ||
                f["entered"].get_int64().get(entered) != simdjson::SUCCESS ||
                f["dwell_done"].get_bool().get(m.dwell_done) != simdjson::SUCCESS ||
                f["known"].get_bool().get(m.known) != simdjson::SUCCESS) {
                reader.fail(fmt::format("fence {} of asset {} is incomplete", id, asset));
            }
            reader.check_time(entered, "entered", asset);
            m.entered = entered;
            std::int64_t pending = 0;
            if (f["pending"].get_int64().get(pending) == simdjson::SUCCESS) {
                reader.check_time(pending, "pending", asset);
                m.pending = pending;
            }
            // A fence no longer in the fence file is forgotten with its state.
            if (const auto it = by_id_.find(std::string(id)); it != by_id_.end()) st.fences.emplace(it->second, m);
        }
        assets_[std::string(asset)] = std::move(st);
    }
}

}  // namespace track
