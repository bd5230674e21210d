#include <string>

#include "ratenet/errors.hpp"
#include "ratenet/tln.hpp"

namespace ratenet {

ReluForm relu_form(const Network& net, std::string_view analysis) {
    const std::string a(analysis);
    if (net.form != Form::rate)
        throw invalid_parameter("network.form", "\"current\"", a + " needs the rate form tau dx/dt = -x + [W x + b]_+");
    double g = 1.0, theta = 0.0;
    if (net.phi.kind == TransferKind::threshold_linear) {
        g = net.phi.gain;
        theta = net.phi.theta;
    } else if (net.phi.kind != TransferKind::relu) {
        throw invalid_parameter("transfer.name", "\"" + net.phi.name() + "\"",
                                a + " needs a threshold-linear transfer function (relu or threshold_linear)");
    }
    // Sets are 64-bit masks (tln.hpp).
    if (net.size() > 64) throw invalid_parameter("model.n", std::to_string(net.size()), a + " handles at most 64 neurons");
    ReluForm p;
    p.W = g * net.dense_W();
    p.b = g * (net.input.b.array() - theta).matrix();
    p.tau = net.tau;
    return p;
}

}  // namespace ratenet
