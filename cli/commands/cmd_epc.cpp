// `trk epc decode|encode`: EPCs between the hex on a tag and GS1 URIs, for scripts and technicians.
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/byte_source.hpp"
#include "command.hpp"
#include "diagnostics.hpp"
#include "option_types.hpp"
#include "output.hpp"
#include "signals.hpp"
#include "track/epc.hpp"
#include "track/json_writer.hpp"

namespace cli {

namespace {

// An EPC or URI line is short; longer lines are cut and reported.
constexpr std::size_t max_line = 1024;

enum class Shape { jsonl, uri, tag };

struct EpcOptions {
    std::vector<std::string> values;
    std::vector<std::string> files;
    std::string format = "jsonl";
    bool strict = false;
    Shape shape = Shape::jsonl;  ///< checked by setup
};

void check(EpcOptions& o, bool decoding) {
    if (decoding) {
        static constexpr Shape shapes[] = {Shape::jsonl, Shape::uri, Shape::tag};
        o.shape = shapes[parse_choice("--format", o.format, "an output format", {"jsonl", "uri", "tag"})];
    } else {
        static constexpr Shape shapes[] = {Shape::uri, Shape::jsonl};  // hex: what the uri shape writes
        o.shape = shapes[parse_choice("--format", o.format, "an output format", {"hex", "jsonl"})];
    }
    if (!o.values.empty() && !o.files.empty()) throw track::UsageError("give values or --input FILEs, not both");
    if (o.values.empty() && o.files.empty()) o.files.emplace_back("-");
}

// Calls `each(text, where)` for every value: the arguments, else the non-blank lines of
// the input files.
template <typename Each>
void for_each_value(const EpcOptions& o, Diagnostics& diagnostics, Output& out, Each each) {
    for (std::size_t i = 0; i < o.values.size(); ++i) each(o.values[i], track::Location{"argument", i + 1});
    const std::atomic<bool>& stop = stop_on_signals();
    std::vector<std::unique_ptr<adapters::FileSource>> sources;
    for (const std::string& path : o.files) sources.push_back(std::make_unique<adapters::FileSource>(path, &stop));
    for (auto& source : sources) {
        adapters::for_each_line(
            *source, max_line, diagnostics,
            [&](std::string_view text, const track::Location& where) {
                text = adapters::trim_blanks(text);
                if (!text.empty() && text.front() != '#') each(text, where);
            },
            [&out] { out.flush(); });
    }
}

void append(fmt::memory_buffer& out, std::string_view text) { out.append(text.data(), text.data() + text.size()); }

int run_decode(const EpcOptions& o) {
    // Arguments are what the user typed: a bad one is an error, not a skipped line.
    Diagnostics diagnostics("epc decode", o.strict || o.files.empty());
    Output out;
    track::epc::Identity id;
    std::string hex;
    for_each_value(o, diagnostics, out, [&](std::string_view text, const track::Location& where) {
        if (!track::epc::decode(text, id)) {
            diagnostics.skipped(where, "not an EPC in hex", text);
            return;
        }
        fmt::memory_buffer& b = out.buffer();
        switch (o.shape) {
            case Shape::uri: append(b, id.pure_uri); break;
            case Shape::tag: append(b, id.tag_uri); break;
            case Shape::jsonl:
                hex.assign(text);
                for (char& c : hex) c = static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
                track::JsonWriter w(b);
                w.begin_object();
                w.key("epc").string(hex);
                if (!id.is_raw()) {
                    w.key("scheme").string(id.scheme);
                    w.key("filter").integer(id.filter);
                }
                w.key("tag").string(id.tag_uri);  // 7-bit serials may hold characters JSON escapes
                w.key("uri").string(id.pure_uri);
                w.end_object();
                break;
        }
        b.push_back('\n');
        out.maybe_flush();
    });
    out.flush();
    diagnostics.summary();
    return 0;
}

int run_encode(const EpcOptions& o) {
    Diagnostics diagnostics("epc encode", o.strict || o.files.empty());
    Output out;
    for_each_value(o, diagnostics, out, [&](std::string_view text, const track::Location& where) {
        std::string hex;
        try {
            hex = track::epc::encode(text);
        } catch (const track::epc::EncodeError& e) {
            diagnostics.skipped(where, "cannot encode", e.what());
            return;
        }
        fmt::memory_buffer& b = out.buffer();
        if (o.shape == Shape::jsonl) {
            track::JsonWriter w(b);
            w.begin_object().key("epc").string(hex).key("tag").string(text).end_object();
        } else {
            append(b, hex);
        }
        b.push_back('\n');
        out.maybe_flush();
    });
    out.flush();
    diagnostics.summary();
    return 0;
}

}  // namespace

void add_epc_command(CLI::App& trk, Invocation& chosen) {
    auto* epc =
        trk.add_subcommand("epc", "Decode EPCs (hex) to GS1 URIs per the EPC Tag Data Standard, and encode back");
    epc->require_subcommand(1);

    auto decode_options = std::make_shared<EpcOptions>();
    auto* decode = epc->add_subcommand("decode", "Decode EPCs in hex to their tag URI and pure identity URI");
    decode->add_option("EPC", decode_options->values, "EPCs in hex; none: one per line from --input or standard input");
    decode->add_option("-i,--input", decode_options->files, "Read EPCs one per line from FILE ('-': standard input)")
        ->type_name("FILE")
        ->allow_extra_args(false);
    decode->add_option("--format", decode_options->format, "jsonl (epc, scheme, filter, tag, uri), uri or tag")
        ->type_name("FORMAT")
        ->default_str("jsonl");
    decode->add_flag("--strict", decode_options->strict, "Stop at the first bad line with exit status 65");
    decode->callback([decode_options, &chosen] {
        check(*decode_options, true);
        chosen = {"epc decode", [decode_options] { return run_decode(*decode_options); }};
    });

    auto encode_options = std::make_shared<EpcOptions>();
    encode_options->format = "hex";
    auto* encode = epc->add_subcommand("encode", "Encode tag URIs (urn:epc:tag:...) to the hex written on a tag");
    encode->add_option("URI", encode_options->values, "Tag URIs; none: one per line from --input or standard input");
    encode->add_option("-i,--input", encode_options->files, "Read URIs one per line from FILE ('-': standard input)")
        ->type_name("FILE")
        ->allow_extra_args(false);
    encode->add_option("--format", encode_options->format, "hex, or jsonl (epc, tag)")
        ->type_name("FORMAT")
        ->default_str("hex");
    encode->add_flag("--strict", encode_options->strict, "Stop at the first bad line with exit status 65");
    encode->callback([encode_options, &chosen] {
        check(*encode_options, false);
        chosen = {"epc encode", [encode_options] { return run_encode(*encode_options); }};
    });
}

}  // namespace cli
