#include "ratenet/models/matrix.hpp"

#include <algorithm>
#include <cmath>

#include "ratenet/errors.hpp"

namespace ratenet {

Connectivity make_matrix(Eigen::MatrixXd W, std::string source) {
    Connectivity c;
    c.W = std::move(W);
    c.info = {"matrix", {{"path", std::move(source)}}};
    return c;
}

}  // namespace ratenet
