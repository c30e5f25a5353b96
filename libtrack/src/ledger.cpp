// What both ledgers share: which backend a path names, and the default answers of the parts
// of the interface only a site's file gives (see track/ledger.hpp).
#include "track/ledger.hpp"

#include <libpq-fe.h>
#include <memory>

#include "track/error.hpp"

namespace track {

namespace {

[[noreturn]] void site_file_only(std::string_view what) {
    throw UsageError(std::string(what) + " is kept in a site's ledger file, not in a central ledger");
}

}  // namespace

bool is_central_url(std::string_view path) noexcept {
    return path.starts_with("postgresql://") || path.starts_with("postgres://");
}

std::string central_url_problem(std::string_view url) {
    // libpq's own parser, so that every spelling it accepts is seen: user:secret@ in the
    // URI, or ?password= among its parameters.
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &error);
    if (options == nullptr) {
        std::string why = error != nullptr ? error : "cannot be read";
        PQfreemem(error);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        return "is not a PostgreSQL connection URI: " + why;
    }
    bool password = false;
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0') password = true;
    }
    PQconninfoFree(options);
    return password ? "holds a password" : "";
}

CentralUrlParts central_url_parts(std::string_view url) {
    CentralUrlParts parts;
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(std::string(url).c_str(), &error);
    PQfreemem(error);
    if (options == nullptr) return parts;
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        if (std::string_view(o->keyword) == "host") parts.host = o->val;
        if (std::string_view(o->keyword) == "dbname") parts.database = o->val;
    }
    PQconninfoFree(options);
    return parts;
}

void Ledger::records_since(std::int64_t, const std::function<bool(const StoredRecord&)>&) {
    site_file_only("pushing records");
}

std::vector<std::pair<std::int64_t, StoredAudit>> Ledger::audits_since(std::int64_t) {
    site_file_only("pushing audits");
}

std::vector<std::pair<std::int64_t, Checkpoint>> Ledger::checkpoints_since(std::int64_t) {
    site_file_only("pushing checkpoints");
}

std::optional<std::string> Ledger::setting(const std::string&) { return std::nullopt; }

void Ledger::put_setting(const std::string& key, const std::string&) { site_file_only("the setting " + key); }

}  // namespace track
