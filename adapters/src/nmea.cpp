// NMEA 0183 decoding: per-sentence field rules and the merging of one receiver cycle.
#include "adapters/nmea.hpp"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "track/clean.hpp"
#include "track/number.hpp"

namespace adapters::nmea {

namespace {

constexpr double metres_per_second_per_knot = 1852.0 / 3600.0;
constexpr double metres_per_foot = 0.3048;
// Receivers write one instant as 200619.30 in GGA and 200619.295 in GLL (eXplorist210.log):
// times closer than this are one epoch, as in gpsd.
constexpr int same_epoch_ms = 10;
// A speed is derived only between fixes this close in time: over a longer gap (a tunnel, a
// receiver switched off) the straight line between them says little about either.
constexpr track::Millis derived_speed_max_gap_ms = 60 * track::ms_per_second;
// Untimed sentences kept for the next cycle: a cycle has a handful; a stream of nothing
// else (a log cut to GSA lines) must not grow memory.
constexpr std::size_t max_pending = 32;
// Whether two times of day (ms) are one epoch's, across midnight too.
bool same_epoch(int a, int b) {
    const int gap = std::abs(a - b);
    return gap < same_epoch_ms || gap > static_cast<int>(track::ms_per_day) - same_epoch_ms;
}

// GGA qualities that come from satellites: 6 (dead reckoning) and 7 (manual input) do not,
// so their count of satellites used says nothing of them.
constexpr bool from_satellites(int gga_quality) { return gga_quality >= 1 && gga_quality <= 5; }

struct Coordinate {
    double degrees = 0;
    int decimals = 0;  ///< decimals of the minutes, i.e. the precision the receiver gave
};

// "ddmm.mmmm" + "N"/"S" (or "dddmm.mmmm" + "E"/"W") as signed degrees, from the digits as
// integers: whole degrees and minutes exactly, then one division for the minutes.
std::optional<Coordinate> parse_coordinate(std::string_view value, std::string_view hemisphere, bool latitude) {
    const char positive = latitude ? 'N' : 'E';
    const char negative = latitude ? 'S' : 'W';
    if (hemisphere.size() != 1 || (hemisphere[0] != positive && hemisphere[0] != negative)) return std::nullopt;
    const auto number = track::parse_fixed_point(value);
    // dddmm before the point (at most 5 digits), at most 10 decimals of minutes after it.
    if (!number || value.front() == '-' || value.front() == '+' || number->decimals > 10) return std::nullopt;
    const int decimals = number->decimals;
    if (number->whole > 99999) return std::nullopt;
    const auto whole = static_cast<int>(number->whole);
    const std::int64_t units = track::pow10_int[decimals];  // one minute, in mantissa units
    const std::int64_t fraction = number->mantissa - number->whole * units;
    const int minutes = whole % 100;
    if (minutes >= 60) return std::nullopt;
    const auto scale = static_cast<double>(units);
    const int whole_degrees = whole / 100;  // dddmm: the degrees are the digits before the minutes
    const double degrees = static_cast<double>(whole_degrees) +
                           (static_cast<double>(minutes) * scale + static_cast<double>(fraction)) / (60.0 * scale);
    if (degrees > (latitude ? 90.0 : 180.0)) return std::nullopt;
    return Coordinate{hemisphere[0] == negative ? -degrees : degrees, decimals};
}

// An optional non-negative decimal field (a speed, a course, a DOP, an error in metres):
// empty is "absent"; garbage, and a negative value, is an error, so that no fix carries
// what track::validate would refuse.
struct OptionalNumber {
    bool ok = true;
    bool negative = false;  ///< a number, but below zero
    std::optional<double> value;
};
OptionalNumber optional_number(std::string_view text) {
    if (text.empty()) return {};
    const auto v = track::parse_decimal(text);
    if (!v) return {false, false, std::nullopt};
    if (*v < 0) return {false, true, std::nullopt};
    return {true, false, v};
}

// The reason for skipping a sentence with one of these fields wrong.
template <typename... Numbers>
std::string_view number_problem(const Numbers&... numbers) {
    return (numbers.negative || ...) ? "negative number" : "malformed number";
}

// RMC's "ddmmyy"; nullopt when not six digits. Two-digit years: 80..99 are 1980..1999 (GPS
// time starts in 1980), 00..79 are 2000..2079. The day is not checked against the month.
std::optional<track::CivilDate> parse_ddmmyy(std::string_view ddmmyy) {
    if (ddmmyy.size() != 6) return std::nullopt;
    const auto dd = track::parse_uint(ddmmyy.substr(0, 2));
    const auto mm = track::parse_uint(ddmmyy.substr(2, 2));
    const auto yy = track::parse_uint(ddmmyy.substr(4, 2));
    if (!dd || !mm || !yy) return std::nullopt;
    return track::CivilDate{*yy >= 80 ? 1900 + *yy : 2000 + *yy, *mm, *dd};
}

// Receivers round 359.996 up to "360.00": the same direction as 0.
double normal_course(double degrees) { return degrees >= 360.0 ? 0.0 : degrees; }

// Quality from an RMC/GNS/GLL mode indicator letter; nullopt for N (not valid).
std::optional<track::FixQuality> mode_indicator_quality(char c) {
    using Q = track::FixQuality;
    switch (c) {
        case 'A':
        case 'P': return Q::gps;
        case 'D': return Q::dgps;
        case 'E': return Q::estimated;
        case 'F': return Q::float_rtk;
        case 'R': return Q::rtk;
        case 'M': return Q::manual;
        case 'S': return Q::simulated;
        default: return std::nullopt;
    }
}

}  // namespace

Decoder::Decoder(DecoderOptions options, track::ProblemSink& problems, FixHandler on_fix)
    : options_(std::move(options)), problems_(problems), on_fix_(std::move(on_fix)) {
    epoch_.fix.asset = options_.asset;
    epoch_.fix.device = options_.device;
    if (options_.date) anchor_ = DateAnchor{track::days_from_civil(*options_.date), -1};
}

void Decoder::bad(const track::Location& where, std::string_view reason, std::string_view detail) {
    problems_.skipped(where, reason, detail);
}

void Decoder::line(std::string_view text, const track::Location& where) {
    std::size_t first = 0;
    while (first < text.size() && (text[first] == ' ' || text[first] == '\t')) ++first;
    if (first == text.size() || text[first] == '\r') return;
    // gpsd's captures carry '#' comment lines (headers, and mid-file notes in isync.log).
    if (text[first] == '#') return;
    if (source_ != where.source) source_.assign(where.source);
    Framer framer(text);
    Sentence s;
    for (;;) {
        const auto status = framer.next(s);
        if (status == Framer::Status::end) break;
        if (status == Framer::Status::problem) {
            bad(where, framer.reason(), framer.detail());
            continue;
        }
        ++counts_.sentences;
        sentence(s, where);
    }
}

void Decoder::sentence(const Sentence& s, const track::Location& where) {
    const std::string_view f = s.formatter();
    using Handler = void (Decoder::*)(const Sentence&, const track::Location&);
    Handler handler = nullptr;
    if (s.proprietary()) {
        if (f == "PGRMZ") handler = &Decoder::pgrmz;
    } else {
        // Any talker: GNSS ones (GP, GL, GA, GB, BD, GQ, GN) and integrated navigation (IN,
        // humminbird-M37.log) report positions the same way.
        if (f == "GGA") handler = &Decoder::gga;
        else if (f == "RMC") handler = &Decoder::rmc;
        else if (f == "GLL") handler = &Decoder::gll;
        else if (f == "GNS") handler = &Decoder::gns;
        else if (f == "VTG") handler = &Decoder::vtg;
        else if (f == "GSA") handler = &Decoder::gsa;
        else if (f == "GST") handler = &Decoder::gst;
        else if (f == "ZDA") handler = &Decoder::zda;
    }
    // GSV, TXT, and every other formatter carry nothing a fix needs, and do not count in the
    // cycle: receivers send GSV every few cycles, TXT now and then.
    if (handler == nullptr) return;
    // The cycle's last kind of sentence ends the epoch when a sentence of another kind
    // follows it: two GNGSA in a row both belong to the cycle that GNGSA ends.
    if (epoch_.open && !cycle_.ender.empty() && cycle_.last == cycle_.ender && f != cycle_.ender) {
        epoch_.complete = true;
    }
    (this->*handler)(s, where);
    cycle_.last.assign(f);
}

void Decoder::learn_cycle_end() {
    // Two changes of time in a row after the same kind: one lost sentence (a cycle that ends
    // early once) does not unlearn the receiver's cycle.
    if (cycle_.last == cycle_.candidate) cycle_.ender = cycle_.candidate;
    else cycle_.candidate = cycle_.last;
}

template <typename Apply>
void Decoder::untimed(Apply apply) {
    if (!epoch_.complete) {
        apply();
    } else if (pending_.size() < max_pending) {
        pending_.emplace_back(std::move(apply));
    }
}

void Decoder::begin_epoch(int time_of_day, int rank, const track::Location& where) {
    if (epoch_.open) {
        if (same_epoch(time_of_day, epoch_.time_of_day)) {
            if (rank > epoch_.time_rank) {
                epoch_.time_of_day = time_of_day;
                epoch_.time_rank = rank;
            }
            if (epoch_.complete) {
                // More of a cycle believed ended: the untimed sentences read since were its own.
                epoch_.complete = false;
                apply_pending();
            }
            return;
        }
        learn_cycle_end();
        close_epoch();
    }
    epoch_.open = true;
    epoch_.time_of_day = time_of_day;
    epoch_.time_rank = rank;
    epoch_.positional = false;
    epoch_.valid = false;
    epoch_.precision = -1;
    epoch_.have_position = false;
    epoch_.gsa_mode.reset();
    epoch_.first_line = where.line;
    epoch_.unconfirmed_day.reset();
    epoch_.complete = false;
    track::Fix& fix = epoch_.fix;
    fix.alt.reset();
    fix.speed.reset();
    fix.speed_derived = false;
    fix.course.reset();
    fix.hdop.reset();
    fix.vdop.reset();
    fix.pdop.reset();
    fix.sats.reset();
    fix.quality = track::FixQuality::unknown;
    fix.lat_err.reset();
    fix.lon_err.reset();
    fix.alt_err.reset();
    apply_pending();
}

void Decoder::apply_pending() {
    for (const auto& apply : pending_) apply();
    pending_.clear();
}

void Decoder::vote(bool valid) {
    epoch_.positional = true;
    epoch_.valid = valid;
}

void Decoder::offer_position(double lat, double lon, int precision, const track::Location& where) {
    if (precision < epoch_.precision) return;
    epoch_.precision = precision;
    epoch_.have_position = true;
    epoch_.fix.lat = lat;
    epoch_.fix.lon = lon;
    epoch_.position_line = where.line;
}

void Decoder::close_epoch() {
    if (!epoch_.open) return;
    epoch_.open = false;
    if (!epoch_.positional) return;  // a ZDA-only epoch: a clock, not a position
    const bool valid = epoch_.valid && epoch_.have_position;
    if (!valid) {
        ++counts_.no_fix;
        if (!options_.keep_invalid) return;
    }
    const int tod = epoch_.time_of_day;
    const std::uint64_t line = epoch_.have_position ? epoch_.position_line : epoch_.first_line;
    std::int64_t day = 0;
    if (!anchor_) {
        if (!valid && epoch_.unconfirmed_day) {
            day = *epoch_.unconfirmed_day;
        } else {
            // A fix lost for want of a date is worth a message; a no-fix epoch is not.
            if (valid)
                bad({source_, line}, "no date yet", "the log has no RMC or ZDA before this epoch; --date gives one");
            return;
        }
    } else if (anchor_->time_of_day < 0) {
        day = anchor_->day;
    } else {
        // The nearest of the anchor's day and its neighbours: crosses midnight either way.
        const std::int64_t anchor_ms = anchor_->day * track::ms_per_day + anchor_->time_of_day;
        std::int64_t best = anchor_->day;
        for (const std::int64_t candidate : {anchor_->day - 1, anchor_->day + 1}) {
            if (std::llabs(candidate * track::ms_per_day + tod - anchor_ms) <
                std::llabs(best * track::ms_per_day + tod - anchor_ms)) {
                best = candidate;
            }
        }
        day = best;
    }
    if (valid || anchor_) anchor_ = DateAnchor{day, tod};

    track::Fix& fix = epoch_.fix;
    fix.time = day * track::ms_per_day + tod;
    if (!valid) {
        fix.mode = track::FixMode::none;
        fix.quality = track::FixQuality::unknown;  // a GGA from too few satellites named one
    } else if (epoch_.gsa_mode && *epoch_.gsa_mode >= 2) {
        fix.mode = *epoch_.gsa_mode == 3 ? track::FixMode::three_d : track::FixMode::two_d;
    } else {
        fix.mode = fix.alt ? track::FixMode::three_d : track::FixMode::two_d;
    }
    if (valid) derive_speed(fix);
    const fmt::format_int line_text(line);
    fix.src.assign(source_);
    fix.src += ':';
    fix.src.append(line_text.data(), line_text.size());
    if (valid) ++counts_.fixes;
    on_fix_(fix);
}

void Decoder::derive_speed(track::Fix& fix) {
    const std::optional<LastFix> last = last_fix_;
    last_fix_ = LastFix{fix.time, fix.lat, fix.lon};
    if (fix.speed || !options_.derive_speed || !last) return;
    const track::Millis apart = fix.time - last->time;
    if (apart <= 0 || apart > derived_speed_max_gap_ms) return;
    const double metres = track::geodesic_distance(last->lat, last->lon, fix.lat, fix.lon);
    fix.speed = metres / (static_cast<double>(apart) / 1000.0);
    fix.speed_derived = true;
}

void Decoder::finish() {
    close_epoch();
    pending_.clear();  // the untimed sentences of a cycle that never came
}

// --- sentences ------------------------------------------------------------------------
// Each handler checks every field it uses before changing the epoch, so that a sentence
// with one impossible value is skipped whole.

void Decoder::gga(const Sentence& s, const track::Location& where) {
    // time, lat, N/S, lon, E/W, quality, sats, hdop, alt, M, separation, M, age, station
    if (s.size() < 9) return bad(where, "too few fields", "GGA");
    if (s.field(1).empty()) return;  // no-fix GGA without a clock yet
    const auto tod = parse_time_of_day(s.field(1));
    if (!tod) return bad(where, "impossible time", s.field(1));
    const auto quality = s.field(6).empty() ? std::optional<int>(0) : track::parse_uint(s.field(6));
    if (!quality || *quality > 9) return bad(where, "impossible fix quality", s.field(6));
    // 0 is no fix; 8 is a simulator (garmin-geko201.log in demo mode), never a real position.
    const bool positional = *quality != 0 && *quality != 8;
    int sats = -1;  // not given
    if (!s.field(7).empty()) {
        const auto given = track::parse_uint(s.field(7));
        if (!given) return bad(where, "malformed number", s.field(7));
        sats = *given;
    }
    // A position from fewer than 3 satellites is no fix, as in gpsd ("1,00,3.3": a receiver
    // repeating its last position). A later statement of the cycle (a GSA mode 2 or 3, an
    // RMC status A) may still vouch for the position, as in gpsd.
    const bool valid = positional && !(from_satellites(*quality) && sats >= 0 && sats < 3);
    std::optional<Coordinate> lat, lon;
    if (positional) {
        lat = parse_coordinate(s.field(2), s.field(3), true);
        if (!lat) return bad(where, "impossible latitude", fmt::format("{},{}", s.field(2), s.field(3)));
        lon = parse_coordinate(s.field(4), s.field(5), false);
        if (!lon) return bad(where, "impossible longitude", fmt::format("{},{}", s.field(4), s.field(5)));
    }
    const auto hdop = optional_number(s.field(8));
    const auto alt = s.field(9).empty() ? std::optional<double>() : track::parse_decimal(s.field(9));
    if (!hdop.ok || (!s.field(9).empty() && !alt)) return bad(where, number_problem(hdop), "GGA hdop or altitude");

    begin_epoch(*tod, 2, where);
    vote(valid);
    if (!positional) return;
    using Q = track::FixQuality;
    static constexpr Q by_code[] = {Q::unknown,   Q::gps,       Q::dgps,   Q::pps,       Q::rtk,
                                    Q::float_rtk, Q::estimated, Q::manual, Q::simulated, Q::unknown};
    epoch_.fix.quality = by_code[*quality];
    offer_position(lat->degrees, lon->degrees, std::min(lat->decimals, lon->decimals), where);
    if (sats >= 0) epoch_.fix.sats = sats;
    if (hdop.value) epoch_.fix.hdop = *hdop.value;
    if (alt) epoch_.fix.alt = *alt;
}

void Decoder::rmc(const Sentence& s, const track::Location& where) {
    // time, status, lat, N/S, lon, E/W, knots, course, ddmmyy, magvar, E/W, [mode], [nav status]
    if (s.size() < 9) return bad(where, "too few fields", "RMC");
    if (s.field(1).empty()) return;  // $GPRMC,,V,,,,,,,,,,N: no clock yet (april6_2019.log)
    const auto tod = parse_time_of_day(s.field(1));
    if (!tod) return bad(where, "impossible time", s.field(1));
    const std::string_view status = s.field(2);
    const std::string_view mode = s.field(12);
    std::optional<track::FixQuality> quality;
    bool valid = status == "A" || status == "D";
    if (valid && !mode.empty()) {
        quality = mode.size() == 1 ? mode_indicator_quality(mode[0]) : std::nullopt;
        valid = quality && *quality != track::FixQuality::simulated;
    }
    // Field 13, NMEA 4.1's navigational status, is not consulted: skytraq-PX1172RH_DS.log and
    // furuno_gl_ga.log write V ("not valid") beside an RTK float or differential fix that
    // GGA confirms, so the mode indicator is the one to trust.
    if (!valid) {
        begin_epoch(*tod, 3, where);
        vote(false);
        if (const auto date = parse_ddmmyy(s.field(9)); date && track::is_valid_date(*date)) {
            epoch_.unconfirmed_day = track::days_from_civil(*date);
        }
        return;
    }
    const auto lat = parse_coordinate(s.field(3), s.field(4), true);
    if (!lat) return bad(where, "impossible latitude", fmt::format("{},{}", s.field(3), s.field(4)));
    const auto lon = parse_coordinate(s.field(5), s.field(6), false);
    if (!lon) return bad(where, "impossible longitude", fmt::format("{},{}", s.field(5), s.field(6)));
    const auto knots = optional_number(s.field(7));
    const auto course = optional_number(s.field(8));
    if (!knots.ok || !course.ok) return bad(where, number_problem(knots, course), "RMC speed or course");
    if (course.value && *course.value > 360.0) return bad(where, "impossible course", s.field(8));
    const auto date = parse_ddmmyy(s.field(9));
    if (!date || !track::is_valid_date(*date)) return bad(where, "impossible date", s.field(9));

    begin_epoch(*tod, 3, where);
    vote(true);
    if (quality) epoch_.fix.quality = *quality;
    else if (epoch_.fix.quality == track::FixQuality::unknown) {
        epoch_.fix.quality = status == "D" ? track::FixQuality::dgps : track::FixQuality::gps;
    }
    offer_position(lat->degrees, lon->degrees, std::min(lat->decimals, lon->decimals), where);
    if (knots.value) epoch_.fix.speed = *knots.value * metres_per_second_per_knot;
    if (course.value) epoch_.fix.course = normal_course(*course.value);
    anchor_ = DateAnchor{track::days_from_civil(*date), *tod};
}

void Decoder::gll(const Sentence& s, const track::Location& where) {
    // lat, N/S, lon, E/W, time, status, [mode]
    if (s.size() < 6) return bad(where, "too few fields", "GLL");
    if (s.field(5).empty()) return;
    const auto tod = parse_time_of_day(s.field(5));
    if (!tod) return bad(where, "impossible time", s.field(5));
    bool valid = s.field(6) == "A";
    std::optional<track::FixQuality> quality;
    if (valid && !s.field(7).empty()) {
        quality = s.field(7).size() == 1 ? mode_indicator_quality(s.field(7)[0]) : std::nullopt;
        valid = quality && *quality != track::FixQuality::simulated;
    }
    if (!valid) {
        begin_epoch(*tod, 1, where);
        vote(false);
        return;
    }
    const auto lat = parse_coordinate(s.field(1), s.field(2), true);
    if (!lat) return bad(where, "impossible latitude", fmt::format("{},{}", s.field(1), s.field(2)));
    const auto lon = parse_coordinate(s.field(3), s.field(4), false);
    if (!lon) return bad(where, "impossible longitude", fmt::format("{},{}", s.field(3), s.field(4)));
    begin_epoch(*tod, 1, where);
    vote(true);
    if (quality && epoch_.fix.quality == track::FixQuality::unknown) epoch_.fix.quality = *quality;
    offer_position(lat->degrees, lon->degrees, std::min(lat->decimals, lon->decimals), where);
}

void Decoder::gns(const Sentence& s, const track::Location& where) {
    // time, lat, N/S, lon, E/W, mode per constellation, sats, hdop, alt, separation, age,
    // station, [nav status]
    if (s.size() < 9) return bad(where, "too few fields", "GNS");
    if (s.field(1).empty()) return;
    const auto tod = parse_time_of_day(s.field(1));
    if (!tod) return bad(where, "impossible time", s.field(1));
    // The best mode of any constellation: RTK over float over differential over autonomous.
    std::optional<track::FixQuality> quality;
    static constexpr std::string_view preference = "RFDAPEM";
    std::size_t best = preference.size();
    for (const char c : s.field(6)) {
        const std::size_t rank = preference.find(c);
        if (rank < best) best = rank;
    }
    if (best < preference.size()) quality = mode_indicator_quality(preference[best]);
    // Field 13 (navigational status) is ignored as in RMC: furuno_gl_ga.log writes V there
    // beside a differential fix.
    const bool valid = quality.has_value();
    if (!valid) {
        begin_epoch(*tod, 2, where);
        vote(false);
        return;
    }
    const auto lat = parse_coordinate(s.field(2), s.field(3), true);
    if (!lat) return bad(where, "impossible latitude", fmt::format("{},{}", s.field(2), s.field(3)));
    const auto lon = parse_coordinate(s.field(4), s.field(5), false);
    if (!lon) return bad(where, "impossible longitude", fmt::format("{},{}", s.field(4), s.field(5)));
    const auto sats = s.field(7).empty() ? std::optional<int>() : track::parse_uint(s.field(7));
    const auto hdop = optional_number(s.field(8));
    const auto alt = s.field(9).empty() ? std::optional<double>() : track::parse_decimal(s.field(9));
    if ((!s.field(7).empty() && !sats) || !hdop.ok || (!s.field(9).empty() && !alt)) {
        return bad(where, number_problem(hdop), "GNS satellites, hdop or altitude");
    }
    begin_epoch(*tod, 2, where);
    vote(true);
    epoch_.fix.quality = *quality;
    offer_position(lat->degrees, lon->degrees, std::min(lat->decimals, lon->decimals), where);
    if (sats) epoch_.fix.sats = *sats;
    if (hdop.value) epoch_.fix.hdop = *hdop.value;
    if (alt) epoch_.fix.alt = *alt;
}

void Decoder::vtg(const Sentence& s, const track::Location& where) {
    // course true, T, course magnetic, M, knots, N, km/h, K, [mode]
    if (!epoch_.open) return;
    if (s.size() < 5) return bad(where, "too few fields", "VTG");
    if (s.field(9) == "N") return;  // not valid
    const auto course = optional_number(s.field(1));
    const auto knots = optional_number(s.field(5));
    const auto kmh = optional_number(s.field(7));
    if (!course.ok || !knots.ok || !kmh.ok) return bad(where, number_problem(course, knots, kmh), "VTG");
    if (course.value && *course.value > 360.0) return bad(where, "impossible course", s.field(1));
    untimed([this, course = course.value, knots = knots.value, kmh = kmh.value] {
        if (course) epoch_.fix.course = normal_course(*course);
        if (knots) epoch_.fix.speed = *knots * metres_per_second_per_knot;
        else if (kmh) epoch_.fix.speed = *kmh / 3.6;
    });
}

void Decoder::gsa(const Sentence& s, const track::Location& where) {
    // selection, mode (1 none, 2 2D, 3 3D), 12 satellite ids, pdop, hdop, vdop, [system]
    if (!epoch_.open) return;
    // Some firmware writes fewer satellite slots: the DOPs are the last three numeric fields
    // before the optional system id. Fields that are not numbers are left out; a negative
    // DOP is impossible and skips the sentence.
    std::optional<double> pdop, hdop, vdop;
    if (s.size() >= 17) {
        pdop = track::parse_decimal(s.field(15));
        hdop = track::parse_decimal(s.field(16));
        vdop = track::parse_decimal(s.field(17));
        if ((pdop && *pdop < 0) || (hdop && *hdop < 0) || (vdop && *vdop < 0)) {
            return bad(where, "negative number",
                       fmt::format("GSA DOPs {},{},{}", s.field(15), s.field(16), s.field(17)));
        }
    }
    std::optional<int> mode = track::parse_uint(s.field(2));
    if (mode && (*mode < 1 || *mode > 3)) mode.reset();
    untimed([this, mode, pdop, hdop, vdop] {
        if (mode) epoch_.gsa_mode = *mode;
        // A statement of validity, like gpsd's mode from GSA, once a sentence of the cycle
        // could hold a position (a GSA alone, before any, is not a position).
        if (mode && epoch_.positional) vote(*mode >= 2);
        if (pdop) epoch_.fix.pdop = *pdop;
        if (hdop) epoch_.fix.hdop = *hdop;
        if (vdop) epoch_.fix.vdop = *vdop;
    });
}

void Decoder::gst(const Sentence& s, const track::Location& where) {
    // time, rms, semi-major, semi-minor, orientation, lat sigma, lon sigma, alt sigma (metres)
    if (!epoch_.open) return;
    if (s.size() < 8) return bad(where, "too few fields", "GST");
    const auto lat = optional_number(s.field(6));
    const auto lon = optional_number(s.field(7));
    const auto alt = optional_number(s.field(8));
    if (!lat.ok || !lon.ok || !alt.ok) return bad(where, number_problem(lat, lon, alt), "GST");
    auto apply = [this, lat = lat.value, lon = lon.value, alt = alt.value] {
        epoch_.fix.lat_err = lat;
        epoch_.fix.lon_err = lon;
        epoch_.fix.alt_err = alt;
    };
    // GST names its epoch (the time of its GGA): receivers send it every few cycles, after
    // the sentence that ends the others, so its time, not its place, says where it belongs.
    const auto tod = s.field(1).empty() ? std::nullopt : parse_time_of_day(s.field(1));
    if (tod && same_epoch(*tod, epoch_.time_of_day)) apply();
    else untimed(apply);
}

void Decoder::zda(const Sentence& s, const track::Location& where) {
    // time, day, month, year, zone hours, zone minutes
    if (s.size() < 4) return bad(where, "too few fields", "ZDA");
    if (s.field(1).empty() || s.field(2).empty() || s.field(3).empty() || s.field(4).empty()) return;
    const auto tod = parse_time_of_day(s.field(1));
    if (!tod) return bad(where, "impossible time", s.field(1));
    std::optional<track::CivilDate> date;
    if (s.field(4).size() == 4) {
        const auto dd = track::parse_uint(s.field(2));
        const auto mm = track::parse_uint(s.field(3));
        const auto yyyy = track::parse_uint(s.field(4));
        if (dd && mm && yyyy) date = track::CivilDate{*yyyy, *mm, *dd};
    }
    if (!date || !track::is_valid_date(*date)) {
        return bad(where, "impossible date", fmt::format("{},{},{}", s.field(2), s.field(3), s.field(4)));
    }
    begin_epoch(*tod, 0, where);
    anchor_ = DateAnchor{track::days_from_civil(*date), *tod};
}

void Decoder::pgrmz(const Sentence& s, const track::Location& where) {
    // Garmin altitude: value, unit (f feet, m metres), [fix dimension]
    if (!epoch_.open) return;
    const auto value = track::parse_decimal(s.field(1));
    const std::string_view unit = s.field(2);
    if (!value || (unit != "f" && unit != "m")) return bad(where, "malformed number", "PGRMZ altitude");
    const double metres = unit == "f" ? *value * metres_per_foot : *value;
    untimed([this, metres] { epoch_.fix.alt = metres; });
}

}  // namespace adapters::nmea
