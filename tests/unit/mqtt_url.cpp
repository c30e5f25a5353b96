// Unit tests of adapters::mqtt::parse_broker_url: the URLs trk accepts and the exact refusals.
#include <string>

#include <doctest/doctest.h>

#include "adapters/mqtt.hpp"
#include "track/error.hpp"

using adapters::mqtt::parse_broker_url;

TEST_CASE("parse_broker_url: schemes, default ports, explicit ports") {
    struct Case {
        const char* url;
        const char* host;
        int port;
        bool tls;
        const char* text;
    };
    const Case cases[] = {
        {"mqtt://broker.example", "broker.example", 1883, false, "mqtt://broker.example:1883"},
        {"mqtts://broker.example", "broker.example", 8883, true, "mqtts://broker.example:8883"},
        {"mqtt://127.0.0.1:18830", "127.0.0.1", 18830, false, "mqtt://127.0.0.1:18830"},
        {"mqtts://localhost:1", "localhost", 1, true, "mqtts://localhost:1"},
        {"mqtt://h:65535/", "h", 65535, false, "mqtt://h:65535"},
        {"mqtt://[::1]:1884", "::1", 1884, false, "mqtt://[::1]:1884"},
        {"mqtts://[fe80::1]", "fe80::1", 8883, true, "mqtts://[fe80::1]:8883"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.url);
        const auto broker = parse_broker_url("--broker", c.url);
        CHECK(broker.host == c.host);
        CHECK(broker.port == c.port);
        CHECK(broker.tls == c.tls);
        CHECK(broker.text == c.text);
    }
}

TEST_CASE("parse_broker_url: refusals name the option and say why") {
    struct Case {
        const char* url;
        const char* message;
    };
    const Case cases[] = {
        {"tcp://h:1883",
         "--broker: 'tcp://h:1883' is not an MQTT broker URL (mqtt://HOST[:PORT] or mqtts://HOST[:PORT])"},
        {"h:1883", "--broker: 'h:1883' is not an MQTT broker URL (mqtt://HOST[:PORT] or mqtts://HOST[:PORT])"},
        {"mqtt://user:pw@h",
         "--broker: 'mqtt://user:pw@h': no user or password in the URL (--username, and --password-file or "
         "TRK_MQTT_PASSWORD)"},
        {"mqtt://h/plant/#", "--broker: 'mqtt://h/plant/#': a broker URL has no path (topics go in --topic)"},
        {"mqtt://h:0", "--broker: 'mqtt://h:0': bad port '0' (1 to 65535)"},
        {"mqtt://h:65536", "--broker: 'mqtt://h:65536': bad port '65536' (1 to 65535)"},
        {"mqtt://h:18x3", "--broker: 'mqtt://h:18x3': bad port '18x3' (1 to 65535)"},
        {"mqtt://h:", "--broker: 'mqtt://h:': empty port"},
        {"mqtt://", "--broker: 'mqtt://': no host"},
        {"mqtt://:1883", "--broker: 'mqtt://:1883': no host"},
        {"mqtt://[::1", "--broker: 'mqtt://[::1': unclosed '[' in the host"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.url);
        try {
            parse_broker_url("--broker", c.url);
            FAIL("accepted");
        } catch (const track::UsageError& e) {
            CHECK(std::string(e.what()) == c.message);
        }
    }
}

TEST_CASE("library_version is libmosquitto 2") { CHECK(adapters::mqtt::library_version().starts_with("2.")); }
