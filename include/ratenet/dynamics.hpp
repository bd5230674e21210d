#pragma once
// Right-hand side and Jacobian of a rate network (see network.hpp for the two forms).
//
//   rate:    f(x) = (-x + phi(u)) / tau,          u = W x + b(t)
//            J    = diag(1/tau) (-I + diag(phi'(u)) W)
//   current: f(h) = (-h + W phi(h) + b(t)) / tau
//            J    = diag(1/tau) (-I + W diag(phi'(h)))
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <vector>

#include "ratenet/network.hpp"

namespace ratenet {

// Scratch space for one thread: never shared, reused across calls.
struct Workspace {
    Eigen::VectorXd u;        // rate: W x + b; current: phi(h)
    Eigen::VectorXd d;        // phi'(.)
    Eigen::MatrixXd tmp;      // N x k products
    Eigen::MatrixXd packed;   // active rows/columns, gathered
    Eigen::MatrixXd U;        // ensemble: W X + b or phi(X)
    Eigen::MatrixXd partial;  // partial sums of the dense matrix-vector product
    std::vector<Eigen::Index> active;
    // float32 products (Network::W32, or a tangent system's own copy)
    Eigen::VectorXf vf, yf;   // the vector multiplied, and its product
    Eigen::MatrixXf partialf; // partial sums of the float32 matrix-vector product
    Eigen::MatrixXf Qf, Kf;   // tangent vectors and their product
    Eigen::MatrixXf packedf;  // active rows/columns, gathered
    // sparse W: the right factor transposed (row j of B contiguous) and the product, transposed
    Eigen::MatrixXd Bt, Ct;
    Eigen::MatrixXf Btf, Ctf;
    Eigen::VectorXd b_t;      // b(t) with a time-varying drive
    explicit Workspace(Eigen::Index n = 0) : u(n), d(n) {}
};

// dxdt = f(t, x).
void rhs(const Network& net, double t, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt, Workspace& ws);
// dxdt = f(x) with the input held at b (the integrator freezes b within a segment).
void rhs_with_input(const Network& net, const Eigen::VectorXd& b, const Eigen::VectorXd& x, Eigen::VectorXd& dxdt,
                    Workspace& ws);

// F = f(X) column by column for an ensemble X (N x S), input held at b: one
// matrix-matrix product.
void rhs_ensemble(const Network& net, const Eigen::VectorXd& b, const Eigen::MatrixXd& X, Eigen::MatrixXd& F,
                  Workspace& ws);

// The dense Jacobian df/dx at (t, x).
void jacobian(const Network& net, double t, const Eigen::VectorXd& x, Eigen::MatrixXd& J, Workspace& ws);
// The Jacobian as a sparse matrix (for sparse W).
SparseMatrix jacobian_sparse(const Network& net, double t, const Eigen::VectorXd& x, Workspace& ws);

// out = J(t, x) Q for an N x k matrix Q: one matrix-matrix product. When
// phi' is 0 or a constant (threshold-linear) and use_active_rows is set, only the
// rows (rate form) or columns (current form) of W belonging to neurons with
// phi' != 0 take part. Returns the number of active neurons.
// With f32, the products with W run in float32 from that copy (W rounded; Q
// rounded per product; the result and everything after it in float64).
Eigen::Index jacobian_times(const Network& net, double t, const Eigen::VectorXd& x, const Eigen::MatrixXd& Q,
                            Eigen::MatrixXd& out, Workspace& ws, bool use_active_rows = true,
                            const CouplingF32* f32 = nullptr);

// trace J(t, x): the instantaneous phase-space contraction rate.
double jacobian_trace(const Network& net, double t, const Eigen::VectorXd& x, Workspace& ws);

}  // namespace ratenet
