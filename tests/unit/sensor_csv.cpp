// Unit tests of adapters/sensor_csv.hpp: data-logger CSV to readings.
#include "adapters/sensor_csv.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "support.hpp"
#include "track/error.hpp"

namespace {

struct Result {
    std::vector<std::string> readings;  ///< "time asset device metric=value unit @src"
    std::vector<std::string> problems;
};

Result read_csv(const std::string& csv, adapters::SensorCsvOptions options = {}) {
    Result result;
    test::Problems problems;
    test::SlowSource source(csv, 7, "log.csv");
    adapters::SensorCsvReader reader(std::move(options), problems, [&result](const track::Reading& r) {
        result.readings.push_back(fmt::format("{} {} {} {}={} {} @{}", track::format_rfc3339(r.time), r.asset, r.device,
                                              r.metric, r.value, r.unit, r.src));
    });
    reader.run(source);
    result.problems = problems.seen;
    return result;
}

std::string header_error(const std::string& csv, adapters::SensorCsvOptions options = {}) {
    try {
        read_csv(csv, std::move(options));
    } catch (const track::InputError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("sensor csv: the long layout, columns found by their usual names") {
    const Result r = read_csv(
        "Timestamp,Asset,Logger,Metric,Value,Unit\n"
        "2026-11-23T09:12:00.250Z,CR-1,tag-1,shock,5.6,g\n"
        "\"2026-11-23T09:13:00Z\",\"CR-1\",tag-1,temperature,\"21,5\",\n"
        "2026-11-23T09:14:00Z,CR-1,tag-1,temperature,21.5,\n"
        "2026-11-23T09:15:00Z,CR-1,tag-1,humidity,,%\n"
        "1795418100,CR-2,tag-2,battery,14,\n");
    CHECK(r.readings == std::vector<std::string>{
                            "2026-11-23T09:12:00.250Z CR-1 tag-1 shock=5.6 g @log.csv:2",
                            "2026-11-23T09:14:00.000Z CR-1 tag-1 temperature=21.5 Cel @log.csv:4",
                            "2026-11-23T07:15:00.000Z CR-2 tag-2 battery=14 % @log.csv:6",
                        });
    // With a comma separator a decimal comma is a field separator: the value "21,5" is bad.
    CHECK(r.problems == std::vector<std::string>{"log.csv:3: bad value (temperature: 21,5)"});
}

TEST_CASE("sensor csv: the wide layout, semicolons, decimal commas, local time") {
    adapters::SensorCsvOptions options;
    options.columns = {{"time", "Date/Time"}, {"temperature", "Temp [°C]"}, {"humidity", "RH [%]"}};
    options.units = {{"humidity", "%RH"}};
    options.asset = "RF-12";
    options.utc_offset = 3'600'000;
    const Result r = read_csv(
        "# exported 2026-11-23\n"
        "Date/Time;Temp [°C];RH [%]\n"
        "2026-11-23 08:00:00;4,2;81,5\n"
        "2026-11-23 08:05:00;;81\n"
        "23/11/2026 08:10;5;80\n",
        options);
    CHECK(r.readings == std::vector<std::string>{
                            "2026-11-23T07:00:00.000Z RF-12  temperature=4.2 Cel @log.csv:3",
                            "2026-11-23T07:00:00.000Z RF-12  humidity=81.5 %RH @log.csv:3",
                            "2026-11-23T07:05:00.000Z RF-12  humidity=81 %RH @log.csv:4",
                        });
    CHECK(r.problems == std::vector<std::string>{"log.csv:5: bad time (23/11/2026 08:10)"});
}

TEST_CASE("sensor csv: a header that cannot be used is an error naming the file and line") {
    CHECK(header_error("when,temperature\n1,2\n") ==
          "log.csv:1: no time column; name it with --map time=COLUMN; the columns are \"when\", \"temperature\"");
    CHECK(header_error("time,temperature\n") ==
          "log.csv:1: no metric and value columns; name them with --map metric=COL,value=COL, or map metrics to "
          "their columns: --map temperature=COL; the columns are \"time\", \"temperature\"");
    adapters::SensorCsvOptions options;
    options.columns = {{"temperature", "Temp"}};
    CHECK(header_error("time,temp_c\n", options) ==
          "log.csv:1: no column \"Temp\" in the header (for temperature); the columns are \"time\", \"temp_c\"");
    options.columns = {{"temperature", "temp_c"}};
    CHECK(header_error("time,metric,value,temp_c\n", options) ==
          "log.csv:1: both metric/value columns and per-metric columns; use one layout; the columns are \"time\", "
          "\"metric\", \"value\", \"temp_c\"");
    CHECK(header_error("\xFF\xFEt\0i\0m\0e\0\n\0") ==
          "log.csv: looks like UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8");
}

TEST_CASE("sensor csv: an Excel export: byte-order mark, CRLF, semicolons, quoted cells, decimal commas") {
    const Result r = read_csv(
        "\xEF\xBB\xBFTimestamp;Asset;Metric;Value\r\n"
        "2026-11-23T09:12:00Z;\"CR-1; crate\";temperature;\"-1,5\"\r\n"
        "2026-11-23T09:13:00Z;CR-1;shock;12\r\n");
    CHECK(r.readings == std::vector<std::string>{
                            "2026-11-23T09:12:00.000Z CR-1; crate  temperature=-1.5 Cel @log.csv:2",
                            "2026-11-23T09:13:00.000Z CR-1  shock=12 g @log.csv:3",
                        });
    CHECK(r.problems.empty());
}

TEST_CASE("sensor csv: local times in a time zone, across both daylight-saving changes") {
    adapters::SensorCsvOptions options;
    options.columns = {{"temperature", "temperature"}};
    options.asset = "RF-12";
    options.zone = track::TimeZone::find("Europe/Berlin");
    REQUIRE(options.zone.has_value());
    const std::string csv =
        "time,temperature\n"
        "2026-03-29 01:30:00,4\n"
        "2026-03-29 02:30:00,5\n"  // clocks skip 02:00-03:00
        "2026-03-29 03:30:00,6\n"
        "2026-10-25 02:30:00,7\n"         // clocks repeat 02:00-03:00
        "2026-10-25T02:30:00+01:00,8\n";  // a time with its offset needs no zone
    Result r = read_csv(csv, options);
    CHECK(r.readings == std::vector<std::string>{
                            "2026-03-29T00:30:00.000Z RF-12  temperature=4 Cel @log.csv:2",
                            "2026-03-29T01:30:00.000Z RF-12  temperature=6 Cel @log.csv:4",
                            "2026-10-25T01:30:00.000Z RF-12  temperature=8 Cel @log.csv:6",
                        });
    CHECK(r.problems ==
          std::vector<std::string>{
              "log.csv:3: local time that does not exist (2026-03-29 02:30:00 is in the hour that Europe/Berlin skips "
              "(clocks go forward from +01:00 to +02:00))",
              "log.csv:5: ambiguous local time (2026-10-25 02:30:00 happens twice in Europe/Berlin (clocks go back "
              "from +02:00 to +01:00): say which with --ambiguous earlier|later)",
          });
    options.ambiguous = track::AmbiguousTime::earlier;
    CHECK(read_csv(csv, options).readings.at(2) == "2026-10-25T00:30:00.000Z RF-12  temperature=7 Cel @log.csv:5");
    options.ambiguous = track::AmbiguousTime::later;
    CHECK(read_csv(csv, options).readings.at(2) == "2026-10-25T01:30:00.000Z RF-12  temperature=7 Cel @log.csv:5");
}

TEST_CASE("sensor csv: without asset or device, the readings name the source as their device") {
    test::Problems problems;
    std::vector<std::string> devices;
    const auto run = [&](const std::string& csv, adapters::SensorCsvOptions options) {
        devices.clear();
        test::SlowSource source(csv, 5, "reefer.csv");
        adapters::SensorCsvReader reader(std::move(options), problems,
                                         [&devices](const track::Reading& r) { devices.push_back(r.device); });
        return reader.run(source);
    };
    adapters::SensorCsvOptions options;
    options.columns = {{"temperature", "temperature"}};
    adapters::SensorCsvRun result = run("time,temperature\n2026-11-23T08:00:00Z,4\n2026-11-23T08:01:00Z,5\n", options);
    CHECK(result.device_from_source);
    CHECK(result.readings == 2);
    CHECK(devices == std::vector<std::string>{"reefer.csv", "reefer.csv"});
    result = run("time,device,temperature\n2026-11-23T08:00:00Z,L-7,4\n", options);  // a device column claims them
    CHECK_FALSE(result.device_from_source);
    CHECK(devices == std::vector<std::string>{"L-7"});
    adapters::SensorCsvOptions with_asset = options;
    with_asset.asset = "RF-12";
    result = run("time,temperature\n2026-11-23T08:00:00Z,4\n", with_asset);
    CHECK_FALSE(result.device_from_source);
    CHECK(devices == std::vector<std::string>{""});
    CHECK(problems.seen.empty());
}
