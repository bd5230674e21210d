#include <algorithm>

#include "ratenet/dynamics.hpp"

namespace ratenet {

namespace {

// u = W v (+ b), dense or sparse.
template <class V>
void coupling(const Network& net, const V& v, Eigen::VectorXd& out) {
    if (net.sparse)
        out.noalias() = net.W_sparse * v;
    else
        out.noalias() = net.W * v;
}

// ws.d = phi'(.) at the argument of phi for the given form; leaves ws.u as in rhs.
void derivative_at(const Network& net, double t, const Eigen::VectorXd& x, Workspace& ws) {
    const Eigen::Index n = net.size();
    ws.u.resize(n);
    ws.d.resize(n);
    if (net.form == Form::rate) {
        coupling(net, x, ws.u);
        ws.u += net.input.at(t);
        net.phi.apply_derivative(ws.u, ws.d);
    } else {
        net.phi.apply_derivative(x, ws.d);
    }
}

}  // namespace

void rhs(const Network& net, double t, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt, Workspace& ws) {
    rhs_with_input(net, net.input.at(t), x, dxdt, ws);
}

void rhs_with_input(const Network& net, const Eigen::VectorXd& b, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt,
                    Workspace& ws) {
    const Eigen::Index n = net.size();
    ws.u.resize(n);
    dxdt.resize(n);
    if (net.form == Form::rate) {
        coupling(net, x, ws.u);
        ws.u += b;
        net.phi.apply(ws.u, dxdt);
        dxdt.array() = (dxdt.array() - x.array()) / net.tau.array();
    } else {
        net.phi.apply(x, ws.u);
        coupling(net, ws.u, dxdt);
        dxdt.array() = (dxdt.array() - x.array() + b.array()) / net.tau.array();
    }
}

void rhs_ensemble(const Network& net, const Eigen::VectorXd& b, const Eigen::MatrixXd& X, Eigen::MatrixXd& F,
                  Workspace& ws) {
    const Eigen::Index n = net.size(), s = X.cols();
    ws.U.resize(n, s);
    F.resize(n, s);
    if (net.form == Form::rate) {
        if (net.sparse)
            ws.U.noalias() = net.W_sparse * X;
        else
            ws.U.noalias() = net.W * X;
        ws.U.colwise() += b;
        for (Eigen::Index c = 0; c < s; ++c) net.phi.apply(ws.U.col(c), F.col(c));
        F -= X;
    } else {
        for (Eigen::Index c = 0; c < s; ++c) net.phi.apply(X.col(c), ws.U.col(c));
        if (net.sparse)
            F.noalias() = net.W_sparse * ws.U;
        else
            F.noalias() = net.W * ws.U;
        F -= X;
        F.colwise() += b;
    }
    // In place, and by division as in rhs_with_input: an ensemble member follows
    // the same arithmetic as a single run.
    if (!(net.tau.array() == 1.0).all()) F.array().colwise() /= net.tau.array();
}

void jacobian(const Network& net, double t, const Eigen::VectorXd& x, Eigen::MatrixXd& J, Workspace& ws) {
    derivative_at(net, t, x, ws);
    const Eigen::MatrixXd W = net.dense_W();
    if (net.form == Form::rate)
        J = ws.d.asDiagonal() * W;
    else
        J = W * ws.d.asDiagonal();
    J.diagonal().array() -= 1.0;
    J = net.tau.cwiseInverse().asDiagonal() * J;
}

SparseMatrix jacobian_sparse(const Network& net, double t, const Eigen::VectorXd& x, Workspace& ws) {
    derivative_at(net, t, x, ws);
    SparseMatrix W = net.sparse ? net.W_sparse : net.W.sparseView();
    SparseMatrix J = net.form == Form::rate ? SparseMatrix(ws.d.asDiagonal() * W) : SparseMatrix(W * ws.d.asDiagonal());
    SparseMatrix I(net.size(), net.size());
    I.setIdentity();
    J = J - I;
    J = net.tau.cwiseInverse().asDiagonal() * J;
    J.makeCompressed();
    return J;
}

Eigen::Index jacobian_times(const Network& net, double t, const Eigen::VectorXd& x, const Eigen::MatrixXd& Q,
                            Eigen::MatrixXd& out, Workspace& ws, bool use_active_rows) {
    derivative_at(net, t, x, ws);
    const Eigen::Index n = net.size(), k = Q.cols();
    out.resize(n, k);
    const bool indicator = use_active_rows && net.phi.derivative_is_indicator() && !net.sparse;
    Eigen::Index n_active = 0;
    if (indicator) {
        ws.active.clear();
        for (Eigen::Index i = 0; i < n; ++i)
            if (ws.d[i] != 0.0) ws.active.push_back(i);
        n_active = static_cast<Eigen::Index>(ws.active.size());
        const double gain = net.phi.kind == TransferKind::threshold_linear ? net.phi.gain : 1.0;
        // The active rows (rate) or columns (current) of W are gathered in panels of at
        // most `panel` neurons, so the scratch stays O(N) beyond W however many are
        // active; each panel is one matrix-matrix product. The buffers keep their size
        // between calls (resizing to the active count would reallocate every call), and
        // the gathers run column by column, the contiguous direction.
        constexpr Eigen::Index panel = 512;
        const Eigen::Index p = std::min(panel, n);
        const auto* act = ws.active.data();
        if (net.form == Form::rate) {
            // (diag(d) W Q)_i = gain * W_i. Q for active i, 0 otherwise.
            if (ws.packed.rows() != p || ws.packed.cols() != n) ws.packed.resize(p, n);
            if (ws.tmp.rows() != p || ws.tmp.cols() != k) ws.tmp.resize(p, k);
            out = -Q;
            for (Eigen::Index s0 = 0; s0 < n_active; s0 += p) {
                const Eigen::Index m = std::min(p, n_active - s0);
                const auto* rows = act + s0;
                auto P = ws.packed.topRows(m);
                for (Eigen::Index j = 0; j < n; ++j)
                    for (Eigen::Index a = 0; a < m; ++a) P(a, j) = net.W(rows[a], j);
                auto T = ws.tmp.topRows(m);
                T.noalias() = P * Q;
                for (Eigen::Index c = 0; c < k; ++c)
                    for (Eigen::Index a = 0; a < m; ++a) out(rows[a], c) += gain * T(a, c);
            }
        } else {
            // W diag(d) Q = gain * sum over panels of W(:, panel) Q(panel, :).
            if (ws.packed.rows() != n || ws.packed.cols() != p) ws.packed.resize(n, p);
            if (ws.tmp.rows() != p || ws.tmp.cols() != k) ws.tmp.resize(p, k);
            if (n_active == 0) out.setZero();
            for (Eigen::Index s0 = 0; s0 < n_active; s0 += p) {
                const Eigen::Index m = std::min(p, n_active - s0);
                const auto* cols = act + s0;
                auto P = ws.packed.leftCols(m);
                auto T = ws.tmp.topRows(m);
                for (Eigen::Index a = 0; a < m; ++a) P.col(a) = net.W.col(cols[a]);
                for (Eigen::Index c = 0; c < k; ++c)
                    for (Eigen::Index a = 0; a < m; ++a) T(a, c) = Q(cols[a], c);
                if (s0 == 0)
                    out.noalias() = P * T;
                else
                    out.noalias() += P * T;
            }
            if (gain != 1.0) out *= gain;
            out -= Q;
        }
    } else {
        n_active = n;
        if (net.form == Form::rate) {
            if (net.sparse)
                out.noalias() = net.W_sparse * Q;
            else
                out.noalias() = net.W * Q;
            out = ws.d.asDiagonal() * out;
        } else {
            ws.tmp = ws.d.asDiagonal() * Q;
            if (net.sparse)
                out.noalias() = net.W_sparse * ws.tmp;
            else
                out.noalias() = net.W * ws.tmp;
        }
        out -= Q;
    }
    // Skip a pass over n x k when every tau is 1 (the common case).
    if (!(net.tau.array() == 1.0).all()) out = net.tau.cwiseInverse().asDiagonal() * out;
    return n_active;
}

double jacobian_trace(const Network& net, double t, const Eigen::VectorXd& x, Workspace& ws) {
    derivative_at(net, t, x, ws);
    if (!net.sparse) return ((ws.d.array() * net.W.diagonal().array() - 1.0) / net.tau.array()).sum();
    const Eigen::VectorXd diagW = net.W_sparse.diagonal();
    return ((ws.d.array() * diagW.array() - 1.0) / net.tau.array()).sum();
}

}  // namespace ratenet
