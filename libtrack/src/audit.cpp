// Yard audits (see track/audit.hpp): expected versus seen, and the change since the last audit.
#include "track/audit.hpp"

#include <algorithm>
#include <utility>

#include "track/error.hpp"

namespace track {

std::string_view to_string(AuditStatus status) noexcept {
    switch (status) {
        case AuditStatus::missing: return "missing";
        case AuditStatus::misplaced: return "misplaced";
        case AuditStatus::unknown: return "unknown";
        case AuditStatus::unexpected: return "unexpected";
        case AuditStatus::present: return "present";
    }
    return "present";
}

Audit::Audit(std::string zone, std::vector<std::string> expected, std::set<std::string> registered)
    : zone_(std::move(zone)), expected_(std::move(expected)), registered_(std::move(registered)) {
    std::sort(expected_.begin(), expected_.end());
    expected_.erase(std::unique(expected_.begin(), expected_.end()), expected_.end());
}

void Audit::sighting(const Sighting& s, const std::string& asset) {
    std::string key = asset;
    if (key.empty()) {
        if (s.epc.empty()) return;  // a fix of no asset: nothing to audit
        key = "epc:" + s.epc;
    }
    const bool here = std::find(s.zones.begin(), s.zones.end(), zone_) != s.zones.end();
    // A sighting in no known zone (a reader not registered, a fix not through trk fence)
    // says the asset exists, not where: it is no evidence of a misplacement.
    Seen& seen = here ? here_[key] : s.zones.empty() ? ever_[key] : elsewhere_[key];
    if (s.time >= seen.time) {
        seen.time = s.time;
        seen.zone = here ? zone_ : s.zones.empty() ? std::string() : s.zones.front();
        seen.epc = s.epc;
        seen.uri = s.uri;
    }
}

void Audit::last_seen(const std::string& asset, Millis time, const std::string& zone) {
    Seen& seen = ever_[asset];
    if (time >= seen.time) seen = Seen{time, zone, {}, {}};
}

void Audit::identity(const std::string& asset, const std::string& epc, const std::string& uri) {
    auto& [e, u] = identity_[asset];
    if (e.empty()) e = epc;
    if (u.empty()) u = uri;
}

std::vector<AuditLine> Audit::finish(const std::optional<StoredAudit>& previous) const {
    std::vector<AuditLine> lines;
    const auto line = [&](const std::string& key, AuditStatus status, const Seen* seen) {
        AuditLine l;
        l.key = key;
        l.status = status;
        if (key.rfind("epc:", 0) == 0) {
            l.epc = key.substr(4);
        } else {
            l.asset = key;
            if (const auto it = identity_.find(key); it != identity_.end()) {
                l.epc = it->second.first;
                l.uri = it->second.second;
            }
        }
        if (seen != nullptr) {
            l.seen = seen->time;
            l.seen_zone = seen->zone;
            if (l.uri.empty()) l.uri = seen->uri;
            if (l.epc.empty()) l.epc = seen->epc;
        }
        lines.push_back(std::move(l));
    };
    const auto find = [](const std::map<std::string, Seen>& m, const std::string& key) -> const Seen* {
        const auto it = m.find(key);
        return it == m.end() ? nullptr : &it->second;
    };
    for (const std::string& key : expected_) {
        if (const Seen* s = find(here_, key)) {
            line(key, AuditStatus::present, s);
        } else if (const Seen* e = find(elsewhere_, key)) {
            line(key, AuditStatus::misplaced, e);
        } else {
            line(key, AuditStatus::missing, find(ever_, key));
        }
    }
    for (const auto& [key, seen] : here_) {
        if (std::binary_search(expected_.begin(), expected_.end(), key)) continue;
        const bool known = key.rfind("epc:", 0) != 0 && registered_.count(key) > 0;
        line(key, known ? AuditStatus::unexpected : AuditStatus::unknown, &seen);
    }
    for (AuditLine& l : lines) {
        if (!previous) break;
        const auto it = previous->statuses.find(l.key);
        const std::string before = it == previous->statuses.end() ? "" : it->second;
        if (l.status == AuditStatus::missing && before != "missing") l.change = "newly missing";
        if (l.status == AuditStatus::misplaced && before != "misplaced") l.change = "newly misplaced";
        if (l.status == AuditStatus::present && (before == "missing" || before == "misplaced"))
            l.change = "newly present";
    }
    std::stable_sort(lines.begin(), lines.end(), [](const AuditLine& a, const AuditLine& b) {
        return std::pair(static_cast<int>(a.status), a.key) < std::pair(static_cast<int>(b.status), b.key);
    });
    return lines;
}

AuditCounts count(const std::vector<AuditLine>& lines) {
    AuditCounts c;
    for (const AuditLine& l : lines) {
        switch (l.status) {
            case AuditStatus::present: ++c.present; break;
            case AuditStatus::missing: ++c.missing; break;
            case AuditStatus::misplaced: ++c.misplaced; break;
            case AuditStatus::unexpected: ++c.unexpected; break;
            case AuditStatus::unknown: ++c.unknown; break;
        }
    }
    return c;
}

}  // namespace track
