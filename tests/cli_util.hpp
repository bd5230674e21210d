#pragma once
// Helpers for end-to-end tests of the ratenet executable: temporary directories,
// running the binary with captured stdout/stderr and exit code, small file I/O.
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace ratenet_test {

namespace fs = std::filesystem;

// A fresh directory under the system temporary directory, removed on destruction.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "ratenet-test-XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
        path_ = buf.data();
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const noexcept { return path_; }
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

// Single-quotes a word for /bin/sh.
inline std::string sh_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

struct RunResult {
    int code = -1;    // exit status, or 128 + signal
    std::string out;  // stdout
    std::string err;  // stderr
};

inline const std::string& binary() {
    static const std::string b = RATENET_BINARY;
    return b;
}

// Runs `ratenet ARGS` (ARGS already shell-quoted as needed) in directory cwd.
inline RunResult run_ratenet(const std::string& args, const std::string& cwd) {
    TempDir cap;
    const std::string out = cap / "stdout", err = cap / "stderr";
    const std::string cmd = "cd " + sh_quote(cwd) + " && " + sh_quote(binary()) + " " + args + " >" + sh_quote(out) +
                            " 2>" + sh_quote(err) + " </dev/null";
    const int status = std::system(cmd.c_str());
    RunResult r;
    if (status == -1)
        r.code = -1;
    else if (WIFEXITED(status))
        r.code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r.code = 128 + WTERMSIG(status);
    r.out = read_text(out);
    r.err = read_text(err);
    // ratenet reports HDF5's errors itself; the library's own printing stays off.
    EXPECT_EQ(r.err.find("HDF5-DIAG"), std::string::npos) << "ratenet " << args << " printed HDF5 diagnostics:\n" << r.err;
    return r;
}

inline std::size_t count_lines(const std::string& s) {
    std::size_t n = 0;
    for (char c : s) n += c == '\n' ? 1 : 0;
    if (!s.empty() && s.back() != '\n') ++n;
    return n;
}

// A run refused for bad input: exit code 2, one line on stderr naming `key`, and
// no file at `output` (no partial output under the final name).
inline ::testing::AssertionResult refused(const RunResult& r, const std::string& key, const fs::path& output) {
    if (r.code != 2) return ::testing::AssertionFailure() << "exit code " << r.code << ", not 2: " << r.err;
    if (count_lines(r.err) != 1) return ::testing::AssertionFailure() << "not one line: " << r.err;
    if (r.err.find(key) == std::string::npos) return ::testing::AssertionFailure() << "does not name " << key << ": " << r.err;
    if (fs::exists(output)) return ::testing::AssertionFailure() << output << " was written";
    return ::testing::AssertionSuccess();
}

// Starts `ratenet args...` in cwd as a child process (stdout/stderr to files in
// cwd), returning its pid.
inline pid_t spawn_ratenet(const std::vector<std::string>& args, const std::string& cwd) {
    std::vector<std::string> argv_s{binary()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out = (fs::path(cwd) / "spawn.stdout").string();
    const std::string err = (fs::path(cwd) / "spawn.stderr").string();
    const pid_t pid = fork();
    if (pid == 0) {
        if (chdir(cwd.c_str()) != 0) _exit(127);
        if (!freopen(out.c_str(), "w", stdout)) _exit(127);
        if (!freopen(err.c_str(), "w", stderr)) _exit(127);
        execv(argv[0], argv.data());
        _exit(127);
    }
    return pid;
}

// Waits for pid; returns its exit status, or 128 + signal.
inline int wait_child(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace ratenet_test
