// Unit tests of adapters/serial.hpp that need no device: pseudo-terminals from openpty(3),
// which Debian's libserialport refuses, so they exercise the termios fallback.
#include "adapters/serial.hpp"

#include <algorithm>
#include <atomic>
#include <pty.h>
#include <string>
#include <thread>
#include <unistd.h>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "adapters/nmea_sentence.hpp"
#include "track/error.hpp"

namespace {

// A pseudo-terminal pair; the test writes on `master`, trk reads the slave by its path.
struct Pty {
    int master = -1;
    int slave = -1;
    std::string path;
    Pty() {
        char name[256];
        REQUIRE(::openpty(&master, &slave, name, nullptr, nullptr) == 0);
        path = name;
    }
    ~Pty() {
        if (master >= 0) ::close(master);
        if (slave >= 0) ::close(slave);
    }
    void write(const std::string& text) const {
        REQUIRE(::write(master, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    }
};

const std::string epoch =
    "$GPGGA,101500.00,4807.0381,N,01131.0001,E,2,07,1.10,545.4,M,46.9,M,,*5A\r\n"
    "$GPRMC,101500.00,A,4807.0381,N,01131.0001,E,1.000,45.0,150326,,,A*6A\r\n";

}  // namespace

TEST_CASE("supported rates") {
    CHECK(adapters::is_supported_baud(4800));
    CHECK(adapters::is_supported_baud(115200));
    CHECK_FALSE(adapters::is_supported_baud(1234));
    CHECK_FALSE(adapters::is_supported_baud(0));
}

TEST_CASE("a pseudo-terminal opens through the termios fallback, and says so") {
    Pty pty;
    ::close(pty.slave);
    pty.slave = -1;
    adapters::SerialPort port(pty.path, 9600);
    CHECK(port.method().rfind("POSIX termios (libserialport: ", 0) == 0);
    CHECK(port.baud() == 9600);
    pty.write("$GPTXT,hello*00\r\n");
    char buffer[64];
    std::size_t n = 0;
    for (int tries = 0; tries < 20 && n == 0; ++tries)
        n = port.read_some(buffer, sizeof buffer, std::chrono::milliseconds(50));
    CHECK(std::string(buffer, n) == "$GPTXT,hello*00\r\n");
    port.set_baud(4800);
    CHECK(port.baud() == 4800);
}

TEST_CASE("a vanished device is reported as a device error") {
    Pty pty;
    ::close(pty.slave);
    pty.slave = -1;
    adapters::SerialPort port(pty.path, 9600);
    ::close(pty.master);
    pty.master = -1;
    char buffer[16];
    CHECK_THROWS_AS(port.read_some(buffer, sizeof buffer, std::chrono::milliseconds(500)), track::DeviceError);
}

TEST_CASE("what cannot be a serial port is refused with the reason") {
    CHECK_THROWS_WITH_AS(adapters::SerialPort("/dev/null", 9600),
                         "/dev/null: not a serial port (not a terminal device)", track::DeviceError);
    CHECK_THROWS_WITH_AS(adapters::SerialPort("/nonexistent/tty", 9600),
                         "/nonexistent/tty: cannot open: No such file or directory (is the device plugged in? "
                         "'trk ports' lists ports)",
                         track::DeviceError);
    CHECK_THROWS_AS(adapters::SerialPort("/dev/null", 1234), track::UsageError);
}

TEST_CASE("listening recognises NMEA, its talkers and its rate") {
    Pty pty;
    ::close(pty.slave);
    pty.slave = -1;
    adapters::SerialPort port(pty.path, 4800);
    std::atomic<bool> done{false};
    std::thread feeder([&] {
        // Half a line first: what a port opened mid-sentence hears.
        pty.write("0.0001,E,1.000*00\r\n");
        for (int second = 0; second < 3 && !done; ++second) {
            const std::string t = fmt::format("10150{}.00", second);
            std::string gga = fmt::format("GNGGA,{},4807.0381,N,01131.0001,E,2,07,1.10,545.4,M,46.9,M,,", t);
            std::string rmc = fmt::format("GNRMC,{},A,4807.0381,N,01131.0001,E,1.0,45.0,150326,,,A", t);
            pty.write(fmt::format("${}*{:02X}\r\n${}*{:02X}\r\n", gga, adapters::nmea::checksum(gga), rmc,
                                  adapters::nmea::checksum(rmc)));
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    const adapters::NmeaHeard heard =
        adapters::listen_for_nmea(port, 4800, std::chrono::milliseconds(1500), false, nullptr);
    done = true;
    feeder.join();
    CHECK(heard.is_nmea());
    CHECK(heard.sentences == 6);
    CHECK(heard.damaged == 1);
    CHECK(heard.talkers == std::set<std::string>{"GN"});
    CHECK(heard.formatters == std::set<std::string>{"GGA", "RMC"});
    CHECK(heard.epochs_per_second == doctest::Approx(1.0));
}

TEST_CASE("noise at a wrong rate is not NMEA") {
    adapters::NmeaHeard heard;
    heard.sentences = 1;
    heard.damaged = 0;
    CHECK_FALSE(heard.is_nmea());
    heard.sentences = 5;
    heard.damaged = 9;
    CHECK_FALSE(heard.is_nmea());
    heard.damaged = 1;
    CHECK(heard.is_nmea());
}

TEST_CASE("a serial source drops a half sentence after opening, not a whole one") {
    for (const bool whole_first : {false, true}) {
        Pty pty;
        ::close(pty.slave);
        pty.slave = -1;
        std::atomic<bool> stop{false};
        adapters::SerialSource source(
            {.path = pty.path, .baud = 9600, .detect_window = std::chrono::milliseconds(100), .stop = &stop});
        pty.write(whole_first ? epoch : "45.4,M,46.9,M,,*5A\r\n" + epoch);
        std::string got;
        char buffer[256];
        while (got.size() < epoch.size()) got.append(buffer, source.read(buffer, sizeof buffer));
        CHECK(got == epoch);
        stop = true;
        CHECK(source.read(buffer, sizeof buffer) == 0);
    }
}

TEST_CASE("libserialport enumerates this machine's ports, sorted, with their transport") {
    const auto ports = adapters::list_serial_ports();
    for (std::size_t i = 0; i < ports.size(); ++i) {
        CAPTURE(ports[i].name);
        CHECK(ports[i].name.rfind("/dev/", 0) == 0);
        CHECK((ports[i].transport == "native" || ports[i].transport == "usb" || ports[i].transport == "bluetooth"));
        CHECK(ports[i].usb_vid.has_value() == (ports[i].transport == "usb" && ports[i].usb_pid.has_value()));
        if (i > 0) CHECK(ports[i - 1].name < ports[i].name);
    }
    MESSAGE("ports found: " << ports.size());
}

TEST_CASE("a real UART (/dev/ttyS0, where the machine has one) opens through libserialport itself") {
    const auto ports = adapters::list_serial_ports();
    const bool listed = std::any_of(ports.begin(), ports.end(), [](const auto& p) { return p.name == "/dev/ttyS0"; });
    if (!listed || ::access("/dev/ttyS0", R_OK) != 0) {
        MESSAGE("skipped: no accessible /dev/ttyS0 on this machine");
        return;
    }
    try {
        adapters::SerialPort port("/dev/ttyS0", 9600);
        CHECK(port.method() == "libserialport");
        port.set_baud(4800);
        char buffer[64];
        CHECK_NOTHROW(port.read_some(buffer, sizeof buffer, std::chrono::milliseconds(10)));
    } catch (const track::DeviceError& e) {
        // A UART node without hardware behind it fails to open: the message must say which.
        CHECK(std::string(e.what()).rfind("/dev/ttyS0: ", 0) == 0);
    }
}
