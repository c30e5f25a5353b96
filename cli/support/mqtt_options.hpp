// The options that name an MQTT broker and how to log in, the same in `trk read mqtt` and
// `trk publish`: --broker URL, --cafile/--cert/--key (TLS), --username, --password-file (or
// TRK_MQTT_PASSWORD; never the password itself as an argument), --client-id, --keepalive.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "adapters/mqtt.hpp"

namespace cli {

/// The environment variable that holds the broker's password when --password-file is not given.
inline constexpr const char* mqtt_password_variable = "TRK_MQTT_PASSWORD";

/// The connection options as CLI11 gives them; checked by to_client_options. A command that
/// wants another default sets the field before add_mqtt_options.
struct MqttArgs {
    std::string broker;         ///< mqtt://HOST[:PORT] or mqtts://HOST[:PORT]; required
    std::string cafile;         ///< TLS: the CA that signed the broker's certificate
    std::string cert;           ///< TLS: a client certificate (with key)
    std::string key;            ///< TLS: the client certificate's private key
    std::string username;       ///< empty: none
    std::string password_file;  ///< a file holding the password (its first line)
    std::string client_id;      ///< empty: a random one
    std::string keepalive = "30s";
};

/// Declares --broker (required), --cafile, --cert, --key, --username, --password-file,
/// --client-id and --keepalive on `command`, stored in `args` (which must outlive the parse).
void add_mqtt_options(CLI::App& command, MqttArgs& args);

/// The client options `args` describe (the caller sets clean_session, will, on_status). Reads
/// the password from --password-file (its first line, without the newline) or else from
/// TRK_MQTT_PASSWORD. Throws track::UsageError naming the option for a bad value, for a
/// password file that group or others may read (chmod 600 it), and for TLS files with an
/// mqtt:// URL; track::MissingInputError (66) for a password file that cannot be read.
adapters::mqtt::ClientOptions to_client_options(const MqttArgs& args);

}  // namespace cli
