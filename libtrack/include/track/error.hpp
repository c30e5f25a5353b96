// Typed errors thrown by libtrack and adapters; cli/main.cpp maps each to one message and exit status.
#pragma once

#include <stdexcept>
#include <string>

namespace track {

/// Exit statuses of DESIGN.md (BSD sysexits).
enum class ExitCode : int {
    ok = 0,
    found = 1,         ///< the command worked and found something (violations, discrepancies)
    usage = 64,        ///< EX_USAGE: bad command line
    data = 65,         ///< EX_DATAERR: bad input data (--strict, unusable fence/rule file)
    no_input = 66,     ///< EX_NOINPUT: an input file is missing or unreadable
    not_found = 67,    ///< EX_NOUSER: a name trk does not know (zone, asset, reader, state, fence, rule)
    unavailable = 69,  ///< EX_UNAVAILABLE: device or service unavailable (serial port, gpsd)
    software = 70,     ///< EX_SOFTWARE: internal error
    io = 74,           ///< EX_IOERR: an I/O error while reading or writing
    temp_fail = 75,    ///< EX_TEMPFAIL: try again later (ledger busy)
    /// Standard output was closed by the reader downstream (`trk ... | head -1`): the status
    /// a shell shows for a tool that SIGPIPE ended (128 + 13), so pipefail scripts treat trk
    /// as they treat cat or grep. Not a sysexits code: nothing went wrong.
    closed_output = 141,
};

/// Base of every error trk reports: a message for the user and the exit status it maps to.
class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    /// The exit status main() returns for this error.
    [[nodiscard]] ExitCode code() const noexcept { return code_; }

private:
    ExitCode code_;
};

/// The command line asks for something impossible (exit 64).
struct UsageError : Error {
    explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

/// Input data is unusable: `where` is "file:line" (or empty), the message says why (exit 65).
struct InputError : Error {
    InputError(const std::string& where, const std::string& reason)
        : Error(ExitCode::data, where.empty() ? reason : where + ": " + reason), reason_(reason) {}
    /// The message without the place.
    [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

private:
    std::string reason_;
};

/// An input file cannot be opened (exit 66).
struct MissingInputError : Error {
    explicit MissingInputError(const std::string& message) : Error(ExitCode::no_input, message) {}
};

/// A name the user gave (a zone, an asset, a reader, a state, a fence, a rule) is not
/// known (exit 67): a typo must never look like an empty answer. The message names what
/// was asked and the closest known names (see closest_names in track/names.hpp).
struct NotFoundError : Error {
    explicit NotFoundError(const std::string& message) : Error(ExitCode::not_found, message) {}
};

/// A device or service (serial port, gpsd) cannot be used (exit 69).
struct DeviceError : Error {
    explicit DeviceError(const std::string& message) : Error(ExitCode::unavailable, message) {}
};

/// Reading or writing failed half-way (exit 74).
struct IoError : Error {
    explicit IoError(const std::string& message) : Error(ExitCode::io, message) {}
};

/// Standard output is a pipe whose reader has gone (EPIPE): the command ends without a
/// word, with status 141 (see ExitCode::closed_output).
struct ClosedOutputError : Error {
    ClosedOutputError() : Error(ExitCode::closed_output, "standard output was closed") {}
};

/// A resource (the ledger) stayed busy past its timeout: try again later (exit 75).
struct BusyError : Error {
    explicit BusyError(const std::string& message) : Error(ExitCode::temp_fail, message) {}
};

}  // namespace track
