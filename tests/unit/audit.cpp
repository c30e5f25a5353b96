// Unit tests of track/audit.hpp: statuses, the change since the previous audit, manifests.
#include "track/audit.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "track/error.hpp"

namespace {

track::Sighting sighting(const char* type, track::Millis time, std::vector<std::string> zones, const char* epc = "") {
    track::Sighting s;
    s.type = type;
    s.time = time;
    s.epc = epc;
    s.zones = std::move(zones);
    return s;
}

// "KEY status seen_zone change" per line.
std::vector<std::string> summary(const std::vector<track::AuditLine>& lines) {
    std::vector<std::string> out;
    for (const auto& l : lines) {
        out.push_back(l.key + " " + std::string(track::to_string(l.status)) + " " + l.seen_zone + " " + l.change);
    }
    return out;
}

}  // namespace

TEST_CASE("audit: every status, discrepancies first, and what changed") {
    track::Audit audit("yard-a", {"P1", "P2", "P3", "P4", "P5"}, {"P1", "P2", "P3", "P4", "P5", "X1"});
    audit.sighting(sighting("read", 10, {"yard-a"}), "P1");
    audit.sighting(sighting("read", 11, {"gate"}), "P2");    // only elsewhere: misplaced
    audit.sighting(sighting("fix", 12, {"gate"}), "P3");
    audit.sighting(sighting("fix", 13, {"yard-a", "bay-1"}), "P3");  // here too: present
    audit.sighting(sighting("read", 14, {}), "P4");         // no zone: only "last seen"
    audit.sighting(sighting("read", 15, {"yard-a"}), "X1");  // registered, home elsewhere
    audit.sighting(sighting("read", 16, {"yard-a"}, "ABCD1234"), "");
    audit.sighting(sighting("fix", 17, {"yard-a"}), "NEW-1");  // not registered
    audit.last_seen("P5", 1, "dock");
    const track::StoredAudit previous{"yard-a", 5, 0, 5, {{"P1", "missing"}, {"P2", "present"}, {"P5", "missing"}}, {}};
    CHECK(summary(audit.finish(previous)) == std::vector<std::string>{
                                                 "P4 missing  newly missing",
                                                 "P5 missing dock ",
                                                 "P2 misplaced gate newly misplaced",
                                                 "NEW-1 unknown yard-a ",
                                                 "epc:ABCD1234 unknown yard-a ",
                                                 "X1 unexpected yard-a ",
                                                 "P1 present yard-a newly present",
                                                 "P3 present yard-a ",
                                             });
    const auto lines = audit.finish(std::nullopt);
    CHECK(lines[0].seen == 14);  // P4's last sighting, in no zone
    const track::AuditCounts c = track::count(lines);
    CHECK(c.present == 2);
    CHECK(c.missing == 2);
    CHECK(c.misplaced == 1);
    CHECK(c.unknown == 2);
    CHECK(c.unexpected == 1);
}
