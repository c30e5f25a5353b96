// Opening inputs and reading checked records from them (see record_input.hpp).
#include "record_input.hpp"

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <exception>
#include <mutex>
#include <pthread.h>
#include <sched.h>
#include <thread>

#include "signals.hpp"
#include "track/error.hpp"
#include "track/json_limits.hpp"
#include "track/validate.hpp"

namespace cli {

namespace {
// A record line is longer than a sentence, but no record needs this much.
constexpr std::size_t max_record_line = 1 << 20;

// Whether the line ends opening an object or array that later lines would close: a record
// that a pretty-printer (jq .) spread over lines, not one cut short (which ends anywhere).
bool opens_a_record_it_does_not_close(std::string_view line) {
    line = adapters::trim_blanks(line);
    if (!line.ends_with('{') && !line.ends_with('[')) return false;
    const auto error = track::find_json_syntax_error(line);
    return error && error->ended;
}
}  // namespace

std::vector<std::unique_ptr<adapters::FileSource>> open_inputs(const std::vector<std::string>& files) {
    const std::atomic<bool>& stop = stop_on_signals();
    std::vector<std::unique_ptr<adapters::FileSource>> sources;
    sources.reserve(files.size());
    for (const std::string& path : files) sources.push_back(std::make_unique<adapters::FileSource>(path, &stop));
    return sources;
}

void read_records(adapters::FileSource& source, track::ProblemSink& problems,
                  const std::function<void(track::Record&, const track::Location&)>& on_record,
                  std::function<void()> before_wait) {
    track::RecordParser parser;
    bool hinted = false;  // at pretty-printed JSON, once
    adapters::for_each_line(
        source, max_record_line, problems,
        [&](std::string_view text, const track::Location& where) {
            if (adapters::trim_blanks(text).empty()) return;
            // The record is parsed straight into place (a default-constructed record that
            // the parsed one was moved into showed in profiles); `bad` says it was skipped.
            bool bad = false;
            track::Record record = [&]() -> track::Record {
                try {
                    // No place for the parser to name: the skip reports `where` itself and
                    // uses only the reason (a "file:line" string per line showed in profiles).
                    return parser.parse(text, {});
                } catch (const track::InputError& e) {
                    if (!hinted && opens_a_record_it_does_not_close(text)) {
                        hinted = true;
                        problems.skipped(where, "bad record",
                                         "looks like pretty-printed JSON: trk reads one record per line (jq -c)");
                    } else {
                        problems.skipped(where, "bad record", e.reason());
                    }
                    bad = true;
                    return track::OpaqueRecord{};
                }
            }();
            if (bad) return;
            if (const std::string why = track::validate(record); !why.empty()) {
                problems.skipped(where, "invalid record", why);
                return;
            }
            on_record(record, where);
        },
        std::move(before_wait));
}

namespace {

// Records per batch, and batches between the threads: bounded memory, a few MB at most.
// Small batches, many of them, let the threads share optional work finely (`stage_behind`).
constexpr std::size_t batch_records = 512;
constexpr std::size_t batches = detail::records_in_flight / batch_records;

// A stretch of input, handed from the reading thread to the stage: records in input order,
// what was prepared for each, the problems found among them, and how the stretch ended.
struct Batch {
    struct Problem {
        std::size_t before;  ///< the number of records of the batch that come before it
        track::Location where;
        std::string reason, detail;
    };
    explicit Batch(std::size_t first) : first_slot(first) {}
    std::size_t first_slot;              ///< its records' slots: first_slot + position
    std::vector<track::Record> records;  ///< the first `size` are in use (storage kept for reuse)
    std::size_t size = 0;
    std::vector<Problem> problems;
    bool quiet = false;        ///< the input may block after it: flush the output
    bool last = false;         ///< nothing follows it
    std::exception_ptr error;  ///< reading stopped with this, after the records and problems

    void clear() {
        size = 0;
        problems.clear();
        quiet = last = false;
        error = nullptr;
    }
};

// The hand-over between the two threads: full batches one way, empty ones back.
class Exchange {
public:
    Exchange() {
        for (std::size_t i = 0; i < batches; ++i) empty_.push_back(std::make_unique<Batch>(i * batch_records));
    }
    /// An empty batch for the reader, waiting for one; null once the stage has stopped.
    std::unique_ptr<Batch> take_empty() { return take(empty_); }
    /// The next full batch for the stage, waiting for it.
    std::unique_ptr<Batch> take_full() { return take(full_); }
    void give_full(std::unique_ptr<Batch> batch) { give(full_, std::move(batch)); }
    /// Whether the stage is behind: more than a few full batches wait for it (read without
    /// the lock: a hint). One waiting is no sign: the batch just handed over is not taken yet.
    bool stage_behind() const { return waiting_.load(std::memory_order_relaxed) > 4; }
    void give_empty(std::unique_ptr<Batch> batch) { give(empty_, std::move(batch)); }
    /// The stage stops (an error): the reader stops at its next hand-over or quiet moment.
    void abandon() {
        const std::lock_guard lock(mutex_);
        abandoned_ = true;
        changed_.notify_all();
    }
    bool abandoned() {
        const std::lock_guard lock(mutex_);
        return abandoned_;
    }

private:
    using Queue = std::deque<std::unique_ptr<Batch>>;
    std::unique_ptr<Batch> take(Queue& queue) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !queue.empty() || abandoned_; });
        if (abandoned_) return nullptr;
        auto batch = std::move(queue.front());
        queue.pop_front();
        waiting_.store(full_.size(), std::memory_order_relaxed);
        return batch;
    }
    void give(Queue& queue, std::unique_ptr<Batch> batch) {
        const std::lock_guard lock(mutex_);
        queue.push_back(std::move(batch));
        waiting_.store(full_.size(), std::memory_order_relaxed);
        changed_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    Queue empty_, full_;
    std::atomic<std::size_t> waiting_{0};  ///< full_.size()
    bool abandoned_ = false;
};

// Thrown on the reading thread to stop it when the stage has stopped.
struct Abandoned {};

// Keeps the problems of the reading thread in its current batch, for the stage to report.
class ProblemRecorder final : public track::ProblemSink {
public:
    explicit ProblemRecorder(std::unique_ptr<Batch>& batch) : batch_(batch) {}
    void skipped(const track::Location& where, std::string_view reason, std::string_view detail) override {
        batch_->problems.push_back({batch_->size, where, std::string(reason), std::string(detail)});
    }

private:
    std::unique_ptr<Batch>& batch_;
};

// The reading thread: parses the sources into batches until the end, an error, or the
// stage's stop. The stop signals (SIGINT, SIGTERM, SIGHUP) come to this thread (the
// stage's blocks them), so that a read waiting on a quiet pipe returns.
void read_ahead(const std::vector<std::unique_ptr<adapters::FileSource>>& sources, Exchange& exchange,
                const detail::SlotPreparation& prepare) {
    const sigset_t stops = stop_signals();
    pthread_sigmask(SIG_UNBLOCK, &stops, nullptr);

    std::unique_ptr<Batch> batch = exchange.take_empty();
    if (!batch) return;
    batch->clear();
    bool flushed = true;  // the last batch handed over asked for a flush (or none was)
    bool behind = false;  // the stage was behind when this batch began
    const auto hand_over = [&](bool quiet) {
        batch->quiet = quiet;
        flushed = quiet;
        exchange.give_full(std::move(batch));
        batch = exchange.take_empty();
        if (!batch) throw Abandoned{};
        batch->clear();
        behind = exchange.stage_behind();
    };
    ProblemRecorder problems(batch);
    try {
        for (const auto& source : sources) {
            // A read waiting on a quiet pipe wakes every 200 ms to see whether the stage stopped.
            source->set_on_idle([&exchange] {
                if (exchange.abandoned()) throw Abandoned{};
            });
            read_records(
                *source, problems,
                [&](track::Record& record, const track::Location&) {
                    Batch& b = *batch;
                    if (b.size == b.records.size()) b.records.emplace_back();
                    b.records[b.size] = std::move(record);
                    if (prepare) prepare(b.records[b.size], b.first_slot + b.size, behind);
                    if (++b.size == batch_records) hand_over(false);
                },
                [&] {
                    if (batch->size > 0 || !batch->problems.empty() || !flushed) hand_over(true);
                });
        }
    } catch (const Abandoned&) {
        for (const auto& source : sources) source->set_on_idle({});
        return;
    } catch (...) {
        batch->error = std::current_exception();
    }
    for (const auto& source : sources) source->set_on_idle({});
    batch->last = true;
    exchange.give_full(std::move(batch));
}

// Blocks the stop signals on the calling thread while it lives (threads started meanwhile
// inherit the mask), then restores the mask.
class SignalsElsewhere {
public:
    SignalsElsewhere() {
        const sigset_t stops = stop_signals();
        pthread_sigmask(SIG_BLOCK, &stops, &saved_);
    }
    ~SignalsElsewhere() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
    SignalsElsewhere(const SignalsElsewhere&) = delete;
    SignalsElsewhere& operator=(const SignalsElsewhere&) = delete;

private:
    sigset_t saved_{};
};

// Whether this process may run on more than one processor (its affinity: taskset, cgroups).
bool several_processors() {
    cpu_set_t set;
    CPU_ZERO(&set);
    return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 1;
}

// One processor: the loop on one thread, as a second would only take turns with it.
void pass_records_here(const std::vector<std::unique_ptr<adapters::FileSource>>& sources, Diagnostics& diagnostics,
                       Output& out, const detail::SlotAction& act, const detail::SlotPreparation& prepare) {
    for (const auto& source : sources) {
        read_records(
            *source, diagnostics,
            [&](track::Record& record, const track::Location&) {
                if (prepare) prepare(record, 0, false);
                if (!act(record, 0)) return;
                track::append_json(out.buffer(), record);
                out.maybe_flush();
            },
            [&out] { out.flush(); });
    }
}

}  // namespace

void detail::pass_records_in_slots(const std::vector<std::unique_ptr<adapters::FileSource>>& sources,
                                   Diagnostics& diagnostics, Output& out, const SlotAction& act,
                                   const SlotPreparation& prepare) {
    static const bool threads = several_processors();
    if (!threads) return pass_records_here(sources, diagnostics, out, act, prepare);
    Exchange exchange;
    const SignalsElsewhere signals;
    std::thread reader(read_ahead, std::cref(sources), std::ref(exchange), std::cref(prepare));
    // However the stage ends, the reader stops (if it has not) and is joined.
    struct Join {
        Exchange& exchange;
        std::thread& reader;
        ~Join() {
            exchange.abandon();
            reader.join();
        }
    } join{exchange, reader};
    for (;;) {
        std::unique_ptr<Batch> batch = exchange.take_full();
        std::size_t p = 0;
        const auto report_problems = [&](std::size_t before) {
            for (; p < batch->problems.size() && batch->problems[p].before <= before; ++p) {
                const Batch::Problem& problem = batch->problems[p];
                diagnostics.skipped(problem.where, problem.reason, problem.detail);
            }
        };
        for (std::size_t i = 0; i < batch->size; ++i) {
            report_problems(i);
            track::Record& record = batch->records[i];
            const bool keep = act(record, batch->first_slot + i);
            if (keep) {
                track::append_json(out.buffer(), record);
                out.maybe_flush();
            }
            // The record ends here, on the stage's thread, so that what the stage added to it
            // (a fix's zones) is freed by the thread that made it: freed on the reading thread,
            // each block went back to the other thread's heap under a lock, and malloc stood
            // high in profiles.
            record = track::OpaqueRecord{};
        }
        report_problems(batch->size);
        if (batch->quiet) out.flush();
        if (batch->error) std::rethrow_exception(batch->error);
        if (batch->last) return;
        exchange.give_empty(std::move(batch));
    }
}

void pass_records(const std::vector<std::unique_ptr<adapters::FileSource>>& sources, Diagnostics& diagnostics,
                  Output& out, const RecordAction& act) {
    detail::pass_records_in_slots(sources, diagnostics, out,
                                  [&act](track::Record& record, std::size_t) { return act(record); }, {});
}

}  // namespace cli
