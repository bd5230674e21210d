#include "app/config_keys.hpp"

#include <set>

#include "app/sweep.hpp"
#include "io/chaos_file.hpp"
#include "io/job.hpp"
#include "io/lyapunov_file.hpp"
#include "io/tln_file.hpp"
#include "ratenet/models.hpp"
#include "ratenet/transfer.hpp"

namespace ratenet::app {

namespace {
// Clears the census however the readers leave (they may throw).
struct CensusScope {
    explicit CensusScope(io::KeyCensus& c) { io::set_key_census(&c); }
    ~CensusScope() { io::set_key_census(nullptr); }
    CensusScope(const CensusScope&) = delete;
    CensusScope& operator=(const CensusScope&) = delete;
};
}  // namespace

io::KeyCensus config_key_census() {
    // Small enough to read in microseconds; a [chaos] and a [sweep] so that
    // their readers run too.
    const io::Config cfg = io::Config::parse(R"([model]
name = "hahnloser_wta"
n = 4
[chaos]
g = [1.0, 2.0]
[sweep]
[sweep.params]
"model.beta" = [0.5, 1.0]
)",
                                             "census.toml");
    io::KeyCensus c;
    CensusScope scope(c);
    const io::Seeds seeds = io::read_seeds(cfg);
    const Network net = io::read_network(cfg, seeds);
    io::read_initial(cfg, net, seeds);
    io::read_simulate(cfg, net, seeds);
    io::read_permitted(cfg);
    io::read_fixed_points(cfg, net);
    io::read_lyapunov(cfg, net, seeds);
    io::read_autocorrelation(cfg, net, seeds);
    io::read_chaos_options(cfg);
    app::read_sweep_plan(cfg);
    return c;
}

std::vector<std::string> config_keys() {
    std::set<std::string> keys;
    for (const auto& [section, ks] : config_key_census().keys)
        for (const auto& k : ks) keys.insert(section + "." + k.first);
    keys.insert("model.name");
    for (const auto& m : model_specs())
        for (const auto& p : m.params) keys.insert("model." + p.name);
    keys.insert("transfer.name");
    for (const auto& t : transfer_specs())
        for (const auto& p : t.params) keys.insert("transfer." + p.name);
    return {keys.begin(), keys.end()};
}

}  // namespace ratenet::app
