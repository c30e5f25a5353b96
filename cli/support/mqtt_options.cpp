// The MQTT connection options (see mqtt_options.hpp).
#include "mqtt_options.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

#include <fmt/format.h>

#include "files.hpp"
#include "option_types.hpp"
#include "track/error.hpp"

namespace cli {

namespace {

// A password is one line; more than this is not a password file.
constexpr std::size_t password_limit = 4096;

std::string read_password(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        throw track::MissingInputError(
            fmt::format("--password-file: cannot read '{}': {}", path, std::strerror(errno)));
    if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        throw track::UsageError(
            fmt::format("--password-file: '{}' can be read by other users (mode {:03o}): chmod 600 '{}'", path,
                        info.st_mode & 0777, path));
    std::string text = read_file(path, password_limit, "password file");
    if (const std::size_t end = text.find_first_of("\r\n"); end != std::string::npos) text.resize(end);
    return text;
}

}  // namespace

void add_mqtt_options(CLI::App& command, MqttArgs& args) {
    command
        .add_option("--broker", args.broker,
                    "The broker: mqtt://HOST[:PORT] (1883), or mqtts://HOST[:PORT] (8883) for TLS")
        ->type_name("URL")
        ->required();
    command
        .add_option("--cafile", args.cafile,
                    "TLS: the CA certificate(s) that signed the broker's (default: the system's, /etc/ssl/certs)")
        ->type_name("FILE");
    command
        .add_option("--cert", args.cert, "TLS: a client certificate (PEM), for brokers that ask for one; with --key")
        ->type_name("FILE");
    command.add_option("--key", args.key, "TLS: the client certificate's private key (PEM)")->type_name("FILE");
    command.add_option("--username", args.username, "Log in to the broker as NAME")->type_name("NAME");
    command
        .add_option("--password-file", args.password_file,
                    "The password: the first line of FILE (mode 600); default: the environment variable "
                    "TRK_MQTT_PASSWORD. Never an argument: others see a command line")
        ->type_name("FILE");
    command
        .add_option(
            "--client-id", args.client_id,
            "The MQTT client identifier (default: trk-publish-SITE-PID for publish, a random one for read mqtt)")
        ->type_name("ID");
    command
        .add_option("--keepalive", args.keepalive,
                    "Ping the broker when idle this long; it drops a client silent for 1.5 times that")
        ->type_name("DURATION")
        ->default_str(args.keepalive);
    // Hidden (no group): a password on a command line is seen by every user (ps); the option
    // exists only to say so instead of CLI11's "unknown option".
    command.add_option("--password", args.password_argument)->group("");
}

adapters::mqtt::ClientOptions to_client_options(const MqttArgs& args) {
    if (args.password_argument)
        throw track::UsageError(
            "--password: never on the command line (every user of the machine sees it): use --password-file FILE "
            "(mode 600) or the environment variable TRK_MQTT_PASSWORD");
    adapters::mqtt::ClientOptions options;
    options.broker = adapters::mqtt::parse_broker_url("--broker", args.broker);
    const track::Millis keepalive = parse_duration("--keepalive", args.keepalive);
    if (keepalive < 5000 || keepalive > 65535000)
        throw track::UsageError(
            fmt::format("--keepalive: '{}': 5 s to 18 h (MQTT counts whole seconds)", args.keepalive));
    options.keepalive_s = static_cast<int>(keepalive / 1000);
    if (!options.broker.tls) {
        for (const auto& [name, value] :
             {std::pair{"--cafile", &args.cafile}, {"--cert", &args.cert}, {"--key", &args.key}})
            if (!value->empty())
                throw track::UsageError(
                    fmt::format("{}: TLS needs an mqtts:// broker URL, not {}", name, options.broker.text));
    }
    options.cafile = args.cafile;
    options.cert = args.cert;
    options.key = args.key;
    options.username = args.username;
    options.client_id = args.client_id;
    if (!args.password_file.empty()) {
        options.password = read_password(args.password_file);
    } else if (const char* password = std::getenv(mqtt_password_variable); password != nullptr) {
        options.password = std::string(password);
    }
    if (options.password && options.username.empty())
        throw track::UsageError("--username: a password was given (--password-file or TRK_MQTT_PASSWORD) but no user");
    return options;
}

}  // namespace cli
