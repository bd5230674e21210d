#include <algorithm>
#include <type_traits>

#include "linalg/dense.hpp"
#include "linalg/sparse.hpp"
#include "ratenet/dynamics.hpp"
#include "ratenet/errors.hpp"

namespace ratenet {

namespace {

// out = phi(u) (or phi'(u)) in fixed segments on all threads, for the sparse
// paths and phi' (the dense right-hand sides apply phi inside the product's own
// panels). Segments of 4096 start where a whole-vector call would have its SIMD
// blocks: the same bits, whatever the thread count.
template <bool derivative>
void apply_segments(const Transfer& phi, const Eigen::VectorXd& u, Eigen::VectorXd& out) {
    const Eigen::Index n = u.size();
    out.resize(n);
    constexpr Eigen::Index seg = 4096;
    const Eigen::Index segs = (n + seg - 1) / seg;
#pragma omp parallel for schedule(static) if (segs >= 4)
    for (Eigen::Index s = 0; s < segs; ++s) {
        const Eigen::Index a = s * seg, len = std::min(seg, n - a);
        if constexpr (derivative) phi.apply_derivative(u.segment(a, len), out.segment(a, len), a);
        else phi.apply(u.segment(a, len), out.segment(a, len), a);
    }
}
void apply_phi(const Transfer& phi, const Eigen::VectorXd& u, Eigen::VectorXd& out) { apply_segments<false>(phi, u, out); }

// out = W v, dense or sparse. Both split over threads with results independent
// of the thread count: dense by fixed column panels (linalg::gemv), sparse by rows
// (linalg::spmv; each row is one dot product in a fixed order).
void coupling(const Network& net, const Eigen::VectorXd& v, Eigen::VectorXd& out, Workspace& ws) {
    if (net.sparse)
        linalg::spmv(net.W_sparse, v, out);
    else
        linalg::gemv(net.W, v, out, ws.partial);
}

// C = W B (N x S), dense or sparse; in float32 when the network asks for it.
void coupling(const Network& net, const Eigen::MatrixXd& B, Eigen::MatrixXd& C, Workspace& ws) {
    if (net.W32) {
        ws.Qf = B.cast<float>();
        if (net.sparse) {
            ws.Btf = ws.Qf.transpose();
            linalg::spmm_transposed(net.W32->W_sparse, ws.Btf, ws.Ctf);
            linalg::transpose_wide(ws.Ctf, ws.Kf);
        } else {
            ws.Kf.resize(net.W32->W.rows(), B.cols());
            linalg::gemm(1.0f, net.W32->W, ws.Qf, 0.0f, ws.Kf);
        }
        C = ws.Kf.cast<double>();
        return;
    }
    if (net.sparse) {
        ws.Bt = B.transpose();
        linalg::spmm_transposed(net.W_sparse, ws.Bt, ws.Ct);
        linalg::transpose_wide(ws.Ct, C);
    } else {
        C.resize(net.W.rows(), B.cols());
        linalg::gemm(1.0, net.W, B, 0.0, C);
    }
}

// ws.d = phi'(.) at the argument of phi for the given form; leaves ws.u as in rhs.
void derivative_at(const Network& net, double t, const Eigen::VectorXd& x, Workspace& ws) {
    const Eigen::Index n = net.size();
    ws.u.resize(n);
    ws.d.resize(n);
    if (net.form == Form::rate) {
        coupling(net, x, ws.u, ws);
        ws.u += net.input.at(t, ws.b_t);
        apply_segments<true>(net.phi, ws.u, ws.d);
    } else {
        apply_segments<true>(net.phi, x, ws.d);
    }
}

// rhs_with_input with the product in float32: the vector multiplied is rounded
// to float32, the product's sum runs in float32, and everything else (phi, the
// leak, the input) in float64.
void rhs_float32(const Network& net, const CouplingF32& c, const Eigen::VectorXd& b, const Eigen::VectorXd& x,
                 Eigen::VectorXd& dxdt, Workspace& ws) {
    const Eigen::Index n = net.size();
    const auto& tau = net.tau;
    ws.vf.resize(n);
    if (net.sparse) {
        if (net.form == Form::rate) {
            ws.vf = x.cast<float>();
            linalg::spmv(c.W_sparse, ws.vf, ws.yf);
            ws.u = ws.yf.cast<double>() + b;
            apply_phi(net.phi, ws.u, dxdt);
            dxdt.array() = (dxdt.array() - x.array()) / tau.array();
        } else {
            apply_phi(net.phi, x, ws.u);
            ws.vf = ws.u.cast<float>();
            linalg::spmv(c.W_sparse, ws.vf, ws.yf);
            dxdt.array() = (ws.yf.cast<double>().array() - x.array() + b.array()) / tau.array();
        }
        return;
    }
    if (net.form == Form::rate) {
        ws.vf = x.cast<float>();
        linalg::gemv_fused(
            c.W, ws.vf, ws.yf, ws.partialf, [](Eigen::Index, Eigen::Index) {},
            [&](Eigen::Index r0, Eigen::Index len) {
                auto u = ws.u.segment(r0, len);
                u = ws.yf.segment(r0, len).cast<double>() + b.segment(r0, len);
                auto f = dxdt.segment(r0, len);
                net.phi.apply(u, f, r0);
                f.array() = (f.array() - x.segment(r0, len).array()) / tau.segment(r0, len).array();
            });
    } else {
        linalg::gemv_fused(
            c.W, ws.vf, ws.yf, ws.partialf,
            [&](Eigen::Index c0, Eigen::Index len) {
                net.phi.apply(x.segment(c0, len), ws.u.segment(c0, len), c0);
                ws.vf.segment(c0, len) = ws.u.segment(c0, len).cast<float>();
            },
            [&](Eigen::Index r0, Eigen::Index len) {
                auto f = dxdt.segment(r0, len);
                f.array() = (ws.yf.segment(r0, len).cast<double>().array() - x.segment(r0, len).array() +
                             b.segment(r0, len).array()) /
                            tau.segment(r0, len).array();
            });
    }
}

// The active-neuron path of jacobian_times for a dense W. The active rows (rate)
// or columns (current) of W are gathered in panels of at most `panel` neurons, so
// the scratch stays O(N) beyond W however many are active; each panel is one
// matrix-matrix product. The buffers keep their size between calls (resizing to
// the active count would reallocate every call), and the gathers run column by
// column, the contiguous direction. Scalar = float: from the float32 copy of W,
// Q rounded once, and (current form) the sum over panels in float32, added to
// out once.
template <class Scalar>
void active_panel_products(const Network& net, const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& W,
                           double gain, const Eigen::MatrixXd& Q, Eigen::MatrixXd& out, Workspace& ws,
                           Eigen::Index n_active) {
    using Mat = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    constexpr bool f32 = std::is_same_v<Scalar, float>;
    constexpr Eigen::Index panel = 512;
    const Eigen::Index n = net.size(), k = Q.cols(), p = std::min(panel, n);
    const auto* act = ws.active.data();
    const bool threaded = static_cast<double>(n) * static_cast<double>(p) >= linalg::gather_parallel_work;
    const auto g = static_cast<Scalar>(gain);
    auto sized = [](Mat& M, Eigen::Index r, Eigen::Index c) -> Mat& {
        if (M.rows() != r || M.cols() != c) M.resize(r, c);
        return M;
    };
    Mat& packed = [&]() -> Mat& {
        if constexpr (f32) return ws.packedf;
        else return ws.packed;
    }();
    if (net.form == Form::rate) {
        // (diag(d) W Q)_i = gain * W_i. Q for active i, 0 otherwise.
        const Mat& right = [&]() -> const Mat& {
            if constexpr (f32) {
                // On all threads: a serial pass here would leave the others idle.
                sized(ws.Qf, n, k);
                linalg::for_column_blocks(n, k, [&](Eigen::Index c0, Eigen::Index w) {
                    ws.Qf.middleCols(c0, w) = Q.middleCols(c0, w).template cast<float>();
                });
                return ws.Qf;
            } else {
                return Q;
            }
        }();
        Mat& tmp = [&]() -> Mat& {
            if constexpr (f32) return ws.Kf;
            else return ws.tmp;
        }();
        sized(packed, p, n);
        sized(tmp, p, k);
        for (Eigen::Index s0 = 0; s0 < n_active; s0 += p) {
            const Eigen::Index m = std::min(p, n_active - s0);
            const auto* rows = act + s0;
            auto P = packed.topRows(m);
#pragma omp parallel for schedule(static) if (threaded)
            for (Eigen::Index j = 0; j < n; ++j)
                for (Eigen::Index a = 0; a < m; ++a) P(a, j) = W(rows[a], j);
            auto T = tmp.topRows(m);
            linalg::gemm(g, P, right, Scalar(0), T);
#pragma omp parallel for schedule(static) if (threaded)
            for (Eigen::Index c = 0; c < k; ++c)
                for (Eigen::Index a = 0; a < m; ++a) out(rows[a], c) += static_cast<double>(T(a, c));
        }
        return;
    }
    // W diag(d) Q = gain * sum over panels of W(:, panel) Q(panel, :), less Q.
    Mat& tmp = [&]() -> Mat& {
        if constexpr (f32) return ws.Qf;
        else return ws.tmp;
    }();
    // float32: the first panel's product overwrites ws.Kf (beta = 0), so it
    // needs no zeroing pass; float64: the panels add onto out (-Q).
    Mat& acc = [&]() -> Mat& {
        if constexpr (f32) return sized(ws.Kf, n, k);
        else return out;
    }();
    sized(packed, n, p);
    sized(tmp, p, k);
    for (Eigen::Index s0 = 0; s0 < n_active; s0 += p) {
        const Eigen::Index m = std::min(p, n_active - s0);
        const auto* cols = act + s0;
        auto P = packed.leftCols(m);
        auto T = tmp.topRows(m);
#pragma omp parallel for schedule(static) if (threaded)
        for (Eigen::Index a = 0; a < m; ++a) P.col(a) = W.col(cols[a]);
#pragma omp parallel for schedule(static) if (threaded)
        for (Eigen::Index c = 0; c < k; ++c)
            for (Eigen::Index a = 0; a < m; ++a) T(a, c) = static_cast<Scalar>(Q(cols[a], c));
        linalg::gemm(g, P, T, f32 && s0 == 0 ? Scalar(0) : Scalar(1), acc);
    }
    if constexpr (f32) {
        if (n_active > 0)
            linalg::for_column_blocks(n, k, [&](Eigen::Index c0, Eigen::Index w) {
                out.middleCols(c0, w) += ws.Kf.middleCols(c0, w).template cast<double>();
            });
    }
}

}  // namespace

void rhs(const Network& net, double t, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt, Workspace& ws) {
    rhs_with_input(net, net.input.at(t, ws.b_t), x, dxdt, ws);
}

void rhs_with_input(const Network& net, const Eigen::VectorXd& b, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt,
                    Workspace& ws) {
    const Eigen::Index n = net.size();
    ws.u.resize(n);
    dxdt.resize(n);
    const auto& tau = net.tau;
    if (net.W32) {
        rhs_float32(net, *net.W32, b, x, dxdt, ws);
        return;
    }
    if (net.sparse) {
        if (net.form == Form::rate) {
            coupling(net, x, ws.u, ws);
            ws.u += b;
            apply_phi(net.phi, ws.u, dxdt);
            dxdt.array() = (dxdt.array() - x.array()) / tau.array();
        } else {
            apply_phi(net.phi, x, ws.u);
            coupling(net, ws.u, dxdt, ws);
            dxdt.array() = (dxdt.array() - x.array() + b.array()) / tau.array();
        }
        return;
    }
    // Dense: phi and the leak run inside the product's parallel region, on the
    // segments each thread already holds.
    if (net.form == Form::rate) {
        linalg::gemv_fused(
            net.W, x, ws.u, ws.partial, [](Eigen::Index, Eigen::Index) {},
            [&](Eigen::Index r0, Eigen::Index len) {
                auto u = ws.u.segment(r0, len);
                u += b.segment(r0, len);
                auto f = dxdt.segment(r0, len);
                net.phi.apply(u, f, r0);
                f.array() = (f.array() - x.segment(r0, len).array()) / tau.segment(r0, len).array();
            });
    } else {
        linalg::gemv_fused(
            net.W, ws.u, dxdt, ws.partial,
            [&](Eigen::Index c0, Eigen::Index len) { net.phi.apply(x.segment(c0, len), ws.u.segment(c0, len), c0); },
            [&](Eigen::Index r0, Eigen::Index len) {
                auto f = dxdt.segment(r0, len);
                f.array() = (f.array() - x.segment(r0, len).array() + b.segment(r0, len).array()) /
                            tau.segment(r0, len).array();
            });
    }
}

void rhs_ensemble(const Network& net, const Eigen::VectorXd& b, const Eigen::MatrixXd& X, Eigen::MatrixXd& F,
                  Workspace& ws) {
    const Eigen::Index n = net.size(), s = X.cols();
    ws.U.resize(n, s);
    F.resize(n, s);
    if (net.form == Form::rate) {
        coupling(net, X, ws.U, ws);
        ws.U.colwise() += b;
        for (Eigen::Index c = 0; c < s; ++c) net.phi.apply(ws.U.col(c), F.col(c));
        F -= X;
    } else {
        for (Eigen::Index c = 0; c < s; ++c) net.phi.apply(X.col(c), ws.U.col(c));
        coupling(net, ws.U, F, ws);
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
                            Eigen::MatrixXd& out, Workspace& ws, bool use_active_rows, const CouplingF32* f32) {
    derivative_at(net, t, x, ws);
    const Eigen::Index n = net.size(), k = Q.cols();
    out.resize(n, k);
    const bool unit_tau = (net.tau.array() == 1.0).all();
    const bool indicator = use_active_rows && net.phi.derivative_is_indicator();
    Eigen::Index n_active = n;
    if (indicator) {
        ws.active.clear();
        for (Eigen::Index i = 0; i < n; ++i)
            if (ws.d[i] != 0.0) ws.active.push_back(i);
        n_active = static_cast<Eigen::Index>(ws.active.size());
        linalg::for_column_blocks(n, k, [&](Eigen::Index c0, Eigen::Index w) { out.middleCols(c0, w) = -Q.middleCols(c0, w); });
    }
    const double gain = net.phi.kind == TransferKind::threshold_linear ? net.phi.gain : 1.0;
    // ws.Ct = alpha (W B)^T with B = ws.Bt^T, for the listed rows of W B (or all).
    // Given f32, in float32 from the float32 copy of W: ws.Bt rounded once, the
    // sums in float32, the listed columns back in float64.
    auto sparse_product = [&](double alpha, const Eigen::Index* rows, Eigen::Index count) {
        if (f32 == nullptr) {
            linalg::spmm_transposed(net.W_sparse, ws.Bt, ws.Ct, alpha, rows, count);
            return;
        }
        ws.Btf = ws.Bt.cast<float>();
        linalg::spmm_transposed(f32->W_sparse, ws.Btf, ws.Ctf, static_cast<float>(alpha), rows, count);
        if (ws.Ct.rows() != k || ws.Ct.cols() != n) ws.Ct.resize(k, n);
        if (rows == nullptr) {
            ws.Ct = ws.Ctf.cast<double>();
        } else {
            for (Eigen::Index a = 0; a < count; ++a) ws.Ct.col(rows[a]) = ws.Ctf.col(rows[a]).cast<double>();
        }
    };
    if (indicator && net.sparse) {
        // Sparse W (CSR): rate form, only the active rows; current form, only the
        // active columns (inactive neurons' rows of Q enter as zeros). Each row of
        // W read once per product (linalg/sparse.hpp).
        ws.Bt.resize(k, n);
        if (net.form == Form::rate) {
            ws.Bt = Q.transpose();
            sparse_product(gain, ws.active.data(), n_active);
            for (Eigen::Index a = 0; a < n_active; ++a) {
                const Eigen::Index i = ws.active[static_cast<std::size_t>(a)];
                out.row(i) += ws.Ct.col(i).transpose();
            }
        } else {
            for (Eigen::Index j = 0; j < n; ++j) {
                if (ws.d[j] != 0.0) ws.Bt.col(j) = gain * Q.row(j).transpose();
                else ws.Bt.col(j).setZero();
            }
            sparse_product(1.0, nullptr, -1);
            linalg::transpose_wide(ws.Ct, ws.tmp);
            out += ws.tmp;
        }
    } else if (indicator) {
        if (f32 != nullptr) active_panel_products(net, f32->W, gain, Q, out, ws, n_active);
        else active_panel_products(net, net.W, gain, Q, out, ws, n_active);
    } else if (net.sparse) {
        if (net.form == Form::rate) {
            ws.Bt = Q.transpose();
            sparse_product(1.0, nullptr, -1);
            linalg::transpose_wide(ws.Ct, out, ws.d.data());
        } else {
            ws.Bt = (ws.d.asDiagonal() * Q).transpose();
            sparse_product(1.0, nullptr, -1);
            linalg::transpose_wide(ws.Ct, out);
        }
        out -= Q;
    } else {
        // Dense: one product per fixed column block with the elementwise work
        // (scaling by phi', less Q, 1/tau) fused around it while the block is in
        // cache. Too narrow to split by columns: one product split by rows.
        const bool rate = net.form == Form::rate;
        const double work = static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(k);
        const linalg::ColumnBlocks cb = linalg::column_blocks(work, k);
        if (!rate && (ws.tmp.rows() != n || ws.tmp.cols() != k)) ws.tmp.resize(n, k);
        const Eigen::VectorXd inv_tau = unit_tau ? Eigen::VectorXd() : Eigen::VectorXd(net.tau.cwiseInverse());
        if (f32 != nullptr) {
            if (ws.Qf.rows() != n || ws.Qf.cols() != k) ws.Qf.resize(n, k);
            if (ws.Kf.rows() != n || ws.Kf.cols() != k) ws.Kf.resize(n, k);
        }
        auto block = [&](Eigen::Index c0, Eigen::Index w, bool serial) {
            auto Qb = Q.middleCols(c0, w);
            auto Ob = out.middleCols(c0, w);
            if (f32 != nullptr) {
                // Rounded per product: Q (rate) or diag(phi') Q (current) to float32,
                // the sum in float32, the result back in float64.
                auto Qfb = ws.Qf.middleCols(c0, w);
                auto Kfb = ws.Kf.middleCols(c0, w);
                if (rate) Qfb = Qb.cast<float>();
                else Qfb = (ws.d.asDiagonal() * Qb).cast<float>();
                if (serial) linalg::gemm_serial(1.0f, f32->W, Qfb, 0.0f, Kfb);
                else linalg::gemm(1.0f, f32->W, Qfb, 0.0f, Kfb);
                // One pass each: back to float64, scaled (rate), less Q.
                if (rate) Ob = ws.d.asDiagonal() * Kfb.cast<double>() - Qb;
                else Ob = Kfb.cast<double>() - Qb;
            } else if (rate) {
                if (serial) linalg::gemm_serial(1.0, net.W, Qb, 0.0, Ob);
                else linalg::gemm(1.0, net.W, Qb, 0.0, Ob);
                Ob = ws.d.asDiagonal() * Ob;
                Ob -= Qb;
            } else {
                auto Tb = ws.tmp.middleCols(c0, w);
                Tb = ws.d.asDiagonal() * Qb;
                Ob = -Qb;
                if (serial) linalg::gemm_serial(1.0, net.W, Tb, 1.0, Ob);
                else linalg::gemm(1.0, net.W, Tb, 1.0, Ob);
            }
            if (!unit_tau) Ob = inv_tau.asDiagonal() * Ob;
        };
        if (cb.count == 1) {
            block(0, k, false);
        } else {
#pragma omp parallel for schedule(dynamic, 1)
            for (Eigen::Index b = 0; b < cb.count; ++b) block(cb.begin(b), cb.width(b), true);
        }
        return n_active;  // 1/tau applied in the blocks
    }
    if (!unit_tau) out = net.tau.cwiseInverse().asDiagonal() * out;
    return n_active;
}

double jacobian_trace(const Network& net, double t, const Eigen::VectorXd& x, Workspace& ws) {
    derivative_at(net, t, x, ws);
    if (!net.sparse) return ((ws.d.array() * net.W.diagonal().array() - 1.0) / net.tau.array()).sum();
    const Eigen::VectorXd diagW = net.W_sparse.diagonal();
    return ((ws.d.array() * diagW.array() - 1.0) / net.tau.array()).sum();
}

}  // namespace ratenet
