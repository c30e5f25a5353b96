// The `trk check` stage (see track/check.hpp): rule states per asset, families, unseen deadlines, state files.
#include "track/json_limits.hpp"
#include "track/check.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "track/clean.hpp"
#include "track/error.hpp"
#include "track/json.hpp"
#include "track/number.hpp"
#include "track/time.hpp"

namespace track {

namespace {

// The first comparison of a condition, depth first: what a violation's value and peak are of.
const Comparison* first_comparison(const Condition& c) {
    if (c.kind == Condition::Kind::test) return std::get_if<Comparison>(&c.test);
    for (const Condition& child : c.children) {
        if (const Comparison* found = first_comparison(child)) return found;
    }
    return nullptr;
}

// Calls `f` on every leaf test of a condition.
template <typename F>
void for_each_test(const Condition& c, F&& f) {
    if (c.kind == Condition::Kind::test) {
        f(c.test);
        return;
    }
    for (const Condition& child : c.children) for_each_test(child, f);
}

bool compare(double value, CompareOp op, double threshold) {
    switch (op) {
        case CompareOp::less: return value < threshold;
        case CompareOp::less_equal: return value <= threshold;
        case CompareOp::greater: return value > threshold;
        case CompareOp::greater_equal: return value >= threshold;
        case CompareOp::equal: return value == threshold;
        case CompareOp::not_equal: return value != threshold;
    }
    return false;
}

// +1 when higher values are worse (> and >=), -1 when lower ones are, 0 otherwise.
int direction_of(CompareOp op) {
    if (op == CompareOp::greater || op == CompareOp::greater_equal) return 1;
    if (op == CompareOp::less || op == CompareOp::less_equal) return -1;
    return 0;
}

void append_number(fmt::memory_buffer& out, double value) { fmt::format_to(std::back_inserter(out), "{}", value); }

}  // namespace

struct Checker::Impl {
    /// A rule with what evaluating it needs, worked out once.
    /// A condition with its metrics turned into slots: no name compared at evaluation.
    struct Node {
        enum class Test { compare, stationary, zone, unseen };
        Condition::Kind kind = Condition::Kind::test;
        Test test = Test::compare;
        std::size_t slot = 0;  ///< compare: the metric's slot
        CompareOp op = CompareOp::greater;
        double value = 0;
        Millis duration = 0;   ///< stationary
        std::string zone = {};
        bool inside = true;
        std::vector<Node> children = {};
    };
    struct Compiled {
        Rule rule;
        Node condition = {};
        std::optional<std::size_t> slot = {};  ///< of the first comparison's metric
        std::size_t family = 0;
        std::string metric = {};  ///< of the first comparison; empty when none
        int direction = 0;   ///< of the first comparison: which way the peak goes
        std::optional<Stationary> stationary = {};  ///< its stationary test, if any
        std::optional<Millis> unseen = {};       ///< the duration, when the condition is `unseen D` alone
        bool reads_fixes = false;                ///< speed, hdop, zones or positions
    };
    /// Rules that share one comparison's metric and direction, and their `where`.
    struct Family {
        std::string key;  ///< its first rule's name: the start of violation ids
        std::vector<std::size_t> rules;
    };
    enum class Phase { idle, pending, open };
    struct RuleState {
        Phase phase = Phase::idle;
        Millis since = 0;                ///< when the condition began to hold
        std::optional<double> value;     ///< what opened it
        bool anchored = false;           ///< stationary: where the asset settled, and when
        double anchor_lat = 0, anchor_lon = 0;
        Millis anchor_time = 0;
    };
    struct FamilyState {
        int shown = -1;  ///< the open rule whose severity was written; -1: nothing open
        Millis since = 0;
        std::optional<double> value, peak;
    };
    struct AssetState {
        std::vector<std::optional<double>> values;           ///< held metric values, by slot
        std::optional<std::vector<std::string>> zones;       ///< of the latest fix that had them
        std::optional<Millis> seen;
        std::vector<RuleState> rules;         ///< by rule
        std::vector<FamilyState> families;    ///< by family
        std::vector<std::int8_t> selected;    ///< static selectors by rule: -1 not worked out yet
        /// By slot, then fixes: the rules to evaluate, those whose static selectors pass;
        /// nullopt until the first record that needs them.
        std::vector<std::optional<std::vector<std::uint32_t>>> slot_rules;
        std::optional<std::vector<std::uint32_t>> fix_rules;
    };

    std::vector<Compiled> rules;
    std::vector<Family> families;
    ProfileLookup profiles;
    Sink sink;
    CheckCounts counts;
    std::unordered_map<std::string, std::size_t> slot_of;  ///< the metrics rules compare, numbered
    std::vector<std::string> slot_names;
    std::vector<std::vector<std::size_t>> rules_of_slot;  ///< rules reading each metric
    std::vector<std::size_t> fix_rules;                                     ///< rules reading fixes
    std::vector<std::size_t> unseen_rules;
    /// Per unseen rule: (deadline, asset) ordered, the asset's name from its map key.
    std::vector<std::set<std::pair<Millis, std::string_view>>> deadlines;
    std::unordered_map<std::string, AssetState> assets;
    Millis record_time = 0;  ///< the latest record time seen
    bool any_record = false;
    Event event;                  ///< reused for every event written
    fmt::memory_buffer members;   ///< an event's members beyond the common ones

    Impl(std::vector<Rule> given, ProfileLookup lookup, Sink to)
        : profiles(std::move(lookup)), sink(std::move(to)) {
        std::map<std::string, std::size_t> family_of;
        for (Rule& rule : given) {
            Compiled c{.rule = std::move(rule)};
            const Rule& r = c.rule;
            for (const Compiled& other : rules) {
                if (other.rule.name == r.name) {
                    throw InputError("", fmt::format("rule name {} is given twice: each rule needs its own", r.name));
                }
            }
            if (const Comparison* first = first_comparison(r.condition)) {
                c.metric = first->metric;
                c.direction = direction_of(first->op);
            }
            int stationary_tests = 0;
            bool unseen = false;
            for_each_test(r.condition, [&](const auto& test) {
                if (const auto* comparison = std::get_if<Comparison>(&test)) {
                    if (comparison->metric == "speed" || comparison->metric == "hdop") c.reads_fixes = true;
                } else if (const auto* s = std::get_if<Stationary>(&test)) {
                    c.stationary = *s;
                    ++stationary_tests;
                    c.reads_fixes = true;
                } else if (std::holds_alternative<Unseen>(test)) {
                    unseen = true;
                } else {
                    c.reads_fixes = true;  // a zone test
                }
            });
            if (stationary_tests > 1) throw InputError(r.name, "a rule takes at most one stationary test");
            if (unseen) {
                if (r.condition.kind != Condition::Kind::test) {
                    throw InputError(r.name, "unseen stands alone: it cannot be combined with and/or");
                }
                c.unseen = std::get<Unseen>(r.condition.test).duration + r.hold;
            }
            for (const Selector& s : r.where) {
                if (s.key == "zone") c.reads_fixes = true;
            }
            // The family: one comparison, its metric and direction, and the where clause.
            std::string key = r.name;
            if (r.condition.kind == Condition::Kind::test && !c.metric.empty() && c.direction != 0) {
                key = fmt::format("{}\x1f{}", c.metric, c.direction);
                for (const Selector& s : r.where) key += fmt::format("\x1f{}={}", s.key, s.value);
            }
            const auto [it, added] = family_of.emplace(key, families.size());
            if (added) families.push_back({r.name, {}});
            c.family = it->second;
            families[c.family].rules.push_back(rules.size());
            rules.push_back(std::move(c));
        }
        for (std::size_t i = 0; i < rules.size(); ++i) {
            Compiled& c = rules[i];
            std::vector<std::string> metrics;
            for_each_test(c.rule.condition, [&](const auto& test) {
                if (const auto* comparison = std::get_if<Comparison>(&test)) metrics.push_back(comparison->metric);
            });
            std::sort(metrics.begin(), metrics.end());
            metrics.erase(std::unique(metrics.begin(), metrics.end()), metrics.end());
            for (const std::string& m : metrics) rules_of_slot[slot(m)].push_back(i);
            c.condition = compile(c.rule.condition);
            if (!c.metric.empty()) c.slot = slot(c.metric);
            if (c.reads_fixes) fix_rules.push_back(i);
            if (c.unseen) {
                unseen_rules.push_back(i);
                deadlines.emplace_back();
            }
        }
    }

    std::size_t slot(const std::string& metric) {
        const auto [it, added] = slot_of.emplace(metric, slot_names.size());
        if (added) {
            slot_names.push_back(metric);
            rules_of_slot.emplace_back();
        }
        return it->second;
    }

    Node compile(const Condition& c) {
        Node n;
        n.kind = c.kind;
        for (const Condition& child : c.children) n.children.push_back(compile(child));
        if (c.kind != Condition::Kind::test) return n;
        if (const auto* comparison = std::get_if<Comparison>(&c.test)) {
            n.slot = slot(comparison->metric);
            n.op = comparison->op;
            n.value = comparison->value;
        } else if (const auto* stationary = std::get_if<Stationary>(&c.test)) {
            n.test = Node::Test::stationary;
            n.duration = stationary->duration;
        } else if (const auto* zone = std::get_if<ZoneTest>(&c.test)) {
            n.test = Node::Test::zone;
            n.zone = zone->zone;
            n.inside = zone->inside;
        } else {
            n.test = Node::Test::unseen;
        }
        return n;
    }

    AssetState& asset(const std::string& name) {
        auto it = assets.find(name);
        if (it == assets.end()) {
            it = assets.emplace(name, AssetState{}).first;
            it->second.rules.resize(rules.size());
            it->second.families.resize(families.size());
            it->second.selected.assign(rules.size(), -1);
            it->second.values.resize(slot_names.size());
            it->second.slot_rules.resize(slot_names.size());
        }
        return it->second;
    }

    std::optional<double> held(const AssetState& a, const std::optional<std::size_t>& slot) const {
        return slot ? a.values[*slot] : std::nullopt;
    }

    // Holds a metric's value when a rule compares it (other metrics are not kept).
    void hold(AssetState& a, const std::string& metric, double value) {
        if (const auto it = slot_of.find(metric); it != slot_of.end()) a.values[it->second] = value;
    }

    // The rules of `candidates` whose id, kind, home and attribute selectors pass.
    std::vector<std::uint32_t> statically_selected(AssetState& a, const std::vector<std::size_t>& candidates,
                                                   const std::string& name) {
        std::vector<std::uint32_t> out;
        for (const std::size_t r : candidates) {
            if (static_selection(a, r, name)) out.push_back(static_cast<std::uint32_t>(r));
        }
        return out;
    }

    bool has_zone(const AssetState& a, std::string_view zone) const {
        return a.zones && std::find(a.zones->begin(), a.zones->end(), zone) != a.zones->end();
    }

    // Whether the rule's `where` selects the asset: id, kind, home and attributes worked out
    // once per asset, zones at every evaluation.
    bool static_selection(AssetState& a, std::size_t r, const std::string& name) {
        const Rule& rule = rules[r].rule;
        if (a.selected[r] < 0) {
            const AssetProfile* profile = nullptr;
            bool looked_up = false;
            bool all = true;
            for (const Selector& s : rule.where) {
                if (s.key == "zone") continue;
                if (s.key == "id") {
                    all = glob_match(s.value, name);
                } else {
                    if (!looked_up) {
                        profile = profiles ? profiles(name) : nullptr;
                        looked_up = true;
                    }
                    if (profile == nullptr) {
                        all = false;
                    } else if (s.key == "kind") {
                        all = profile->kind == s.value;
                    } else if (s.key == "home") {
                        all = profile->home == s.value;
                    } else {
                        const auto it = profile->attributes.find(s.key);
                        all = it != profile->attributes.end() && it->second == s.value;
                    }
                }
                if (!all) break;
            }
            a.selected[r] = all ? 1 : 0;
        }
        return a.selected[r] == 1;
    }

    bool selects(AssetState& a, std::size_t r, const std::string& name) {
        if (!static_selection(a, r, name)) return false;
        const Rule& rule = rules[r].rule;
        return std::all_of(rule.where.begin(), rule.where.end(),
                           [&](const Selector& s) { return s.key != "zone" || has_zone(a, s.value); });
    }

    bool holds(const Node& n, const AssetState& a, const RuleState& s, Millis t) const {
        switch (n.kind) {
            case Condition::Kind::all:
                return std::all_of(n.children.begin(), n.children.end(),
                                   [&](const Node& child) { return holds(child, a, s, t); });
            case Condition::Kind::any:
                return std::any_of(n.children.begin(), n.children.end(),
                                   [&](const Node& child) { return holds(child, a, s, t); });
            case Condition::Kind::test: break;
        }
        switch (n.test) {
            case Node::Test::compare: {
                const std::optional<double>& value = a.values[n.slot];
                return value && compare(*value, n.op, n.value);
            }
            case Node::Test::stationary: return s.anchored && t - s.anchor_time >= n.duration;
            case Node::Test::zone: return a.zones && has_zone(a, n.zone) == n.inside;
            case Node::Test::unseen: break;  // decided by deadlines
        }
        return false;
    }

    std::string violation_id(const Family& family, const std::string& name, Millis since) const {
        return fmt::format("{}/{}/{}", family.key, name, format_rfc3339(since));
    }

    void emit(std::string_view kind, const std::string& name, const Compiled& c, Millis time) {
        event.time = time;
        event.asset.assign(name);
        event.event.assign(kind);
        event.rule.assign(c.rule.name);
        event.extra.assign(members.data(), members.size());
        members.clear();
        sink(event);
    }

    void append_member(std::string_view key, std::string_view text) {
        members.append(std::string_view(",\""));
        members.append(key);
        members.append(std::string_view("\":"));
        append_json_string(members, text);
    }

    void append_member(std::string_view key, const std::optional<double>& value) {
        if (!value) return;
        members.append(std::string_view(",\""));
        members.append(key);
        members.append(std::string_view("\":"));
        append_number(members, *value);
    }

    // Writes what changed in a family's open rules: a violation when the first opens or the
    // most severe changes, a clear when the last closes.
    void settle(AssetState& a, std::size_t f, const std::string& name, Millis t) {
        const Family& family = families[f];
        FamilyState& fs = a.families[f];
        int best = -1;
        for (const std::size_t r : family.rules) {
            if (a.rules[r].phase != Phase::open) continue;
            if (best < 0 || rules[r].rule.severity > rules[static_cast<std::size_t>(best)].rule.severity) {
                best = static_cast<int>(r);
            }
        }
        if (best == fs.shown) return;
        if (best < 0) {
            const Compiled& shown = rules[static_cast<std::size_t>(fs.shown)];
            append_member("severity", to_string(shown.rule.severity));
            append_member("violation", violation_id(family, name, fs.since));
            if (!shown.metric.empty()) append_member("metric", shown.metric);
            append_member("peak", fs.peak);
            members.append(std::string_view(",\"duration_s\":"));
            append_rounded(members, static_cast<double>(std::max<Millis>(t - fs.since, 0)) / 1000.0, 3);
            emit("clear", name, shown, t);
            ++counts.clears;
            fs = FamilyState{};
            return;
        }
        const Compiled& now = rules[static_cast<std::size_t>(best)];
        const RuleState& opened = a.rules[static_cast<std::size_t>(best)];
        if (fs.shown < 0) {
            fs.since = opened.since;
            fs.value = opened.value;
            if (now.direction != 0) fs.peak = opened.value;
            fs.shown = best;
            append_member("severity", to_string(now.rule.severity));
            append_member("violation", violation_id(family, name, fs.since));
            if (!now.metric.empty()) append_member("metric", now.metric);
            append_member("value", fs.value);
            emit("violation", name, now, fs.since);
            ++counts.violations;
            return;
        }
        const Severity before = rules[static_cast<std::size_t>(fs.shown)].rule.severity;
        fs.shown = best;
        if (before == now.rule.severity) return;  // another rule of the same severity: nothing to tell
        append_member("severity", to_string(now.rule.severity));
        append_member("previous", to_string(before));
        append_member("violation", violation_id(family, name, fs.since));
        if (!now.metric.empty()) append_member("metric", now.metric);
        // Escalated: the value that opened the worse rule; eased: the value now.
        append_member("value", now.rule.severity > before ? opened.value : held(a, now.slot));
        // Escalated: since its condition began to hold; eased: now, when the worse one cleared.
        emit("violation", name, now, now.rule.severity > before ? std::max(opened.since, fs.since) : t);
        ++counts.escalations;
    }

    // Evaluates rule r for an asset at time t, and writes what its family's change means.
    void evaluate(AssetState& a, std::size_t r, const std::string& name, Millis t) {
        const Compiled& c = rules[r];
        RuleState& s = a.rules[r];
        const bool selected = selects(a, r, name);
        const bool now_holds = selected && holds(c.condition, a, s, t);
        const std::optional<double> value = held(a, c.slot);
        bool changed = false;
        if (s.phase == Phase::idle && now_holds) {
            s.phase = Phase::pending;
            // A pure stationary test began to hold when the asset had stood still long enough.
            s.since = c.stationary && c.rule.condition.kind == Condition::Kind::test
                          ? s.anchor_time + c.stationary->duration
                          : t;
        }
        if (s.phase == Phase::pending) {
            if (!now_holds) {
                s.phase = Phase::idle;
            } else if (t - s.since >= c.rule.hold) {
                s.phase = Phase::open;
                s.value = value;
                changed = true;
            }
        } else if (s.phase == Phase::open) {
            const bool clears = !selected || (c.rule.clear ? value && compare(*value, c.rule.clear->op, c.rule.clear->value)
                                                           : !now_holds);
            if (clears) {
                s.phase = Phase::idle;
                s.value.reset();
                changed = true;
            }
        }
        FamilyState& fs = a.families[c.family];
        if (fs.shown >= 0 && value && c.direction != 0 && s.phase == Phase::open) {
            fs.peak = !fs.peak ? *value : c.direction > 0 ? std::max(*fs.peak, *value) : std::min(*fs.peak, *value);
        }
        if (changed) settle(a, c.family, name, t);
    }

    // Opens the unseen violations whose deadline record time has passed (silence of exactly
    // the duration is not yet too long).
    void pass_deadlines(Millis now) {
        for (std::size_t k = 0; k < unseen_rules.size(); ++k) {
            const std::size_t r = unseen_rules[k];
            auto& due = deadlines[k];
            while (!due.empty() && due.begin()->first < now) {
                const auto [deadline, name_view] = *due.begin();
                due.erase(due.begin());
                const std::string name(name_view);
                AssetState& a = assets.at(name);
                RuleState& s = a.rules[r];
                if (s.phase == Phase::open || !selects(a, r, name)) continue;
                s.phase = Phase::open;
                s.since = deadline;
                s.value.reset();  // the silence itself; its length is in the clear's duration
                settle(a, rules[r].family, name, deadline);
            }
        }
    }

    // The asset was seen at t: its unseen violations clear, its deadlines move.
    void saw(AssetState& a, const std::string& name, Millis t) {
        if (a.seen && t <= *a.seen) return;
        if (unseen_rules.empty()) {
            a.seen = t;
            return;
        }
        const std::string_view key = assets.find(name)->first;
        for (std::size_t k = 0; k < unseen_rules.size(); ++k) {
            const std::size_t r = unseen_rules[k];
            const Millis after = *rules[r].unseen;
            if (a.seen) deadlines[k].erase({*a.seen + after, key});
            deadlines[k].insert({t + after, key});
            RuleState& s = a.rules[r];
            if (s.phase == Phase::open) {
                s.phase = Phase::idle;
                s.value.reset();
                settle(a, rules[r].family, name, t);
            }
        }
        a.seen = t;
    }

    // Restores when the asset was last seen (state files): deadlines for the unseen rules not
    // open already, as the run that saved the state had them.
    void restore_seen(AssetState& a, const std::string& name, Millis t) {
        const std::string_view key = assets.find(name)->first;
        for (std::size_t k = 0; k < unseen_rules.size(); ++k) {
            const std::size_t r = unseen_rules[k];
            if (a.rules[r].phase != Phase::open) deadlines[k].insert({t + *rules[r].unseen, key});
        }
        a.seen = t;
    }

    void moved_to(AssetState& a, std::size_t r, const Fix& fix) {
        const std::optional<Stationary>& stationary = rules[r].stationary;
        if (!stationary) return;
        RuleState& s = a.rules[r];
        if (!s.anchored || geodesic_distance(s.anchor_lat, s.anchor_lon, fix.lat, fix.lon) > stationary->within_m) {
            s.anchored = true;
            s.anchor_lat = fix.lat;
            s.anchor_lon = fix.lon;
            s.anchor_time = fix.time;
        }
    }

    void record(const Record& record) {
        const RecordBase* base = nullptr;
        const std::string* name = nullptr;
        if (const auto* fix = std::get_if<Fix>(&record)) {
            base = fix;
            name = fix->asset.empty() ? &fix->device : &fix->asset;
        } else if (const auto* reading = std::get_if<Reading>(&record)) {
            base = reading;
            name = reading->asset.empty() ? &reading->device : &reading->asset;
        } else if (const auto* read = std::get_if<Read>(&record)) {
            base = read;
            name = &read->asset;
        } else if (const auto* other = std::get_if<Event>(&record)) {
            base = other;
        }
        if (base == nullptr) return;
        const Millis t = base->time;
        // Record time first: an asset silent too long shows as unseen until this record of it.
        if (!any_record || t > record_time) record_time = t;
        any_record = true;
        pass_deadlines(record_time);
        if (name == nullptr || name->empty()) return;
        AssetState& a = asset(*name);
        if (const auto* reading = std::get_if<Reading>(&record)) {
            if (const auto it = slot_of.find(reading->metric); it != slot_of.end()) {
                const std::size_t slot = it->second;
                a.values[slot] = reading->value;
                auto& selected = a.slot_rules[slot];
                if (!selected) selected = statically_selected(a, rules_of_slot[slot], *name);
                for (const std::uint32_t r : *selected) evaluate(a, r, *name, t);
            }
        } else if (const auto* fix = std::get_if<Fix>(&record); fix != nullptr && fix->mode != FixMode::none) {
            if (fix->speed) hold(a, "speed", *fix->speed);
            if (fix->hdop) hold(a, "hdop", *fix->hdop);
            if (fix->zones) a.zones = fix->zones;
            if (!a.fix_rules) a.fix_rules = statically_selected(a, fix_rules, *name);
            for (const std::uint32_t r : *a.fix_rules) {
                moved_to(a, r, *fix);
                evaluate(a, r, *name, t);
            }
        }
        saw(a, *name, t);
    }

    void advance_to(Millis now) {
        if (!any_record || now > record_time) record_time = now;
        any_record = true;
        pass_deadlines(now);
        // Sorted by name: the same state gives the same events in the same order.
        std::map<std::string_view, AssetState*> sorted;
        for (auto& [name, a] : assets) sorted.emplace(name, &a);
        for (const auto& [name_view, a] : sorted) {
            const std::string name(name_view);
            for (std::size_t r = 0; r < rules.size(); ++r) {
                if (!rules[r].unseen) evaluate(*a, r, name, now);
            }
        }
    }
};

Checker::Checker(std::vector<Rule> rules, ProfileLookup profiles, Sink sink)
    : impl_(std::make_unique<Impl>(std::move(rules), std::move(profiles), std::move(sink))) {}
Checker::~Checker() = default;

void Checker::record(const Record& record) { impl_->record(record); }

void Checker::seen(const std::string& asset, Millis time) { impl_->saw(impl_->asset(asset), asset, time); }

void Checker::advance_to(Millis now) { impl_->advance_to(now); }

const CheckCounts& Checker::counts() const { return impl_->counts; }

std::vector<OpenViolation> Checker::open() const {
    const Impl& m = *impl_;
    std::vector<OpenViolation> out;
    std::map<std::string_view, const Impl::AssetState*> sorted;
    for (const auto& [name, a] : m.assets) sorted.emplace(name, &a);
    for (const auto& [name, a] : sorted) {
        for (std::size_t f = 0; f < m.families.size(); ++f) {
            const Impl::FamilyState& fs = a->families[f];
            if (fs.shown < 0) continue;
            const Impl::Compiled& shown = m.rules[static_cast<std::size_t>(fs.shown)];
            const std::string asset(name);
            out.push_back({asset, shown.rule.name, m.violation_id(m.families[f], asset, fs.since), shown.rule.severity,
                           fs.since, shown.metric, fs.value, fs.peak});
        }
    }
    return out;
}

std::string Checker::save_state() const {
    const Impl& m = *impl_;
    fmt::memory_buffer out;
    fmt::format_to(std::back_inserter(out), "{{\"trk_check_state\":1,\"time\":{},\"assets\":{{", m.record_time);
    std::map<std::string_view, const Impl::AssetState*> sorted;
    for (const auto& [name, a] : m.assets) sorted.emplace(name, &a);
    bool first_asset = true;
    for (const auto& [name, a] : sorted) {
        if (!first_asset) out.push_back(',');
        first_asset = false;
        append_json_string(out, name);
        out.append(std::string_view(":{\"values\":{"));
        bool first_value = true;
        for (std::size_t i = 0; i < a->values.size(); ++i) {
            if (!a->values[i]) continue;
            if (!first_value) out.push_back(',');
            first_value = false;
            append_json_string(out, m.slot_names[i]);
            out.push_back(':');
            append_number(out, *a->values[i]);
        }
        out.push_back('}');
        if (a->seen) fmt::format_to(std::back_inserter(out), ",\"seen\":{}", *a->seen);
        if (a->zones) {
            out.append(std::string_view(",\"zones\":["));
            for (std::size_t i = 0; i < a->zones->size(); ++i) {
                if (i > 0) out.push_back(',');
                append_json_string(out, (*a->zones)[i]);
            }
            out.push_back(']');
        }
        out.append(std::string_view(",\"rules\":{"));
        bool first_rule = true;
        for (std::size_t r = 0; r < m.rules.size(); ++r) {
            const Impl::RuleState& s = a->rules[r];
            if (s.phase == Impl::Phase::idle && !s.anchored) continue;
            if (!first_rule) out.push_back(',');
            first_rule = false;
            append_json_string(out, m.rules[r].rule.name);
            const std::string_view phase = s.phase == Impl::Phase::idle      ? "idle"
                                           : s.phase == Impl::Phase::pending ? "pending"
                                                                              : "open";
            fmt::format_to(std::back_inserter(out), ":{{\"phase\":\"{}\",\"since\":{}", phase, s.since);
            if (s.value) {
                out.append(std::string_view(",\"value\":"));
                append_number(out, *s.value);
            }
            if (s.anchored) {
                fmt::format_to(std::back_inserter(out), ",\"anchor\":[{},{},{}]", s.anchor_lat, s.anchor_lon,
                               s.anchor_time);
            }
            out.push_back('}');
        }
        out.append(std::string_view("},\"violations\":{"));
        bool first_family = true;
        for (std::size_t f = 0; f < m.families.size(); ++f) {
            const Impl::FamilyState& fs = a->families[f];
            if (fs.shown < 0) continue;
            if (!first_family) out.push_back(',');
            first_family = false;
            append_json_string(out, m.families[f].key);
            out.append(std::string_view(":{\"shown\":"));
            append_json_string(out, m.rules[static_cast<std::size_t>(fs.shown)].rule.name);
            fmt::format_to(std::back_inserter(out), ",\"since\":{}", fs.since);
            if (fs.value) {
                out.append(std::string_view(",\"value\":"));
                append_number(out, *fs.value);
            }
            if (fs.peak) {
                out.append(std::string_view(",\"peak\":"));
                append_number(out, *fs.peak);
            }
            out.push_back('}');
        }
        out.append(std::string_view("}}"));
    }
    out.append(std::string_view("}}\n"));
    return fmt::to_string(out);
}

void Checker::load_state(std::string_view json, const std::string& where) {
    Impl& m = *impl_;
    const auto bad = [&where](std::string_view why) {
        throw InputError(where, fmt::format("not a trk check state file ({})", why));
    };
    simdjson::dom::parser parser = bounded_json_parser();
    simdjson::dom::element doc;
    if (const auto error = parser.parse(json.data(), json.size()).get(doc); error) {
        bad(error == simdjson::DEPTH_ERROR ? json_error_reason(error) : "not JSON");
    }
    std::int64_t version = 0;
    if (doc["trk_check_state"].get_int64().get(version) != simdjson::SUCCESS || version != 1) {
        bad("no version 1 marker");
    }
    std::int64_t time = 0;
    simdjson::dom::object assets;
    if (doc["time"].get_int64().get(time) != simdjson::SUCCESS || doc["assets"].get_object().get(assets)) {
        bad("no time or no assets");
    }
    // A state file is input too: what it says must be what the checker itself could have
    // saved, or its events carry absurd times and ids (an asset without a name).
    const auto check_time = [&bad](std::int64_t t, std::string_view what, std::string_view asset) {
        if (!is_rfc3339_time(t)) {
            bad(fmt::format("{} {} of asset {} is out of range (years 0000..9999)", what, t, asset));
        }
    };
    if (!is_rfc3339_time(time)) bad(fmt::format("time {} is out of range (years 0000..9999)", time));
    m.record_time = time;
    m.any_record = true;
    std::map<std::string_view, std::size_t> rule_named;
    for (std::size_t r = 0; r < m.rules.size(); ++r) rule_named.emplace(m.rules[r].rule.name, r);
    for (const auto [asset_name, value] : assets) {
        if (asset_name.empty()) bad("an asset without a name");
        const std::string name(asset_name);
        Impl::AssetState& a = m.asset(name);
        simdjson::dom::object values, rules, violations;
        if (value["values"].get_object().get(values) || value["rules"].get_object().get(rules) ||
            value["violations"].get_object().get(violations)) {
            bad(fmt::format("asset {} is incomplete", name));
        }
        for (const auto [metric, held] : values) {
            double v = 0;
            if (held.get_double().get(v)) bad(fmt::format("a value of asset {} is not a number", name));
            m.hold(a, std::string(metric), v);
        }
        simdjson::dom::array zones;
        if (value["zones"].get_array().get(zones) == simdjson::SUCCESS) {
            a.zones.emplace();
            for (const auto zone : zones) {
                std::string_view z;
                if (zone.get_string().get(z)) bad(fmt::format("a zone of asset {} is not a string", name));
                a.zones->emplace_back(z);
            }
        }
        for (const auto [rule_name, saved] : rules) {
            const auto found = rule_named.find(rule_name);
            if (found == rule_named.end()) continue;  // a rule no longer given
            Impl::RuleState& s = a.rules[found->second];
            std::string_view phase;
            std::int64_t since = 0;
            if (saved["phase"].get_string().get(phase) || saved["since"].get_int64().get(since)) {
                bad(fmt::format("rule {} of asset {} is incomplete", rule_name, name));
            }
            check_time(since, "since", name);
            s.phase = phase == "open" ? Impl::Phase::open : phase == "pending" ? Impl::Phase::pending : Impl::Phase::idle;
            s.since = since;
            double v = 0;
            if (saved["value"].get_double().get(v) == simdjson::SUCCESS) s.value = v;
            simdjson::dom::array anchor;
            if (saved["anchor"].get_array().get(anchor) == simdjson::SUCCESS && anchor.size() == 3) {
                std::int64_t at = 0;
                if (anchor.at(0).get_double().get(s.anchor_lat) || anchor.at(1).get_double().get(s.anchor_lon) ||
                    anchor.at(2).get_int64().get(at)) {
                    bad(fmt::format("rule {} of asset {} has a bad anchor", rule_name, name));
                }
                check_time(at, "anchor time", name);
                s.anchored = true;
                s.anchor_time = at;
            }
        }
        for (const auto [family_key, saved] : violations) {
            std::string_view shown;
            std::int64_t since = 0;
            if (saved["shown"].get_string().get(shown) || saved["since"].get_int64().get(since)) {
                bad(fmt::format("violation {} of asset {} is incomplete", family_key, name));
            }
            check_time(since, "since", name);
            const auto found = rule_named.find(shown);
            if (found == rule_named.end()) continue;
            Impl::FamilyState& fs = a.families[m.rules[found->second].family];
            fs.shown = static_cast<int>(found->second);
            fs.since = since;
            double v = 0;
            if (saved["value"].get_double().get(v) == simdjson::SUCCESS) fs.value = v;
            if (saved["peak"].get_double().get(v) == simdjson::SUCCESS) fs.peak = v;
        }
        std::int64_t seen = 0;
        if (value["seen"].get_int64().get(seen) == simdjson::SUCCESS) {
            check_time(seen, "seen", name);
            m.restore_seen(a, name, seen);
        }
    }
}

}  // namespace track
