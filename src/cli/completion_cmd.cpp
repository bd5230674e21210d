// ratenet completion: a bash completion script written from the command line's
// own description (its subcommands, their flags and positionals) and from the
// config keys the readers ask for, so that it cannot fall behind either.
#include <algorithm>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/config_keys.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "ratenet/build_info.hpp"
#include "ratenet/errors.hpp"

namespace ratenet::cli {

namespace {

struct CompletionOptions {
    std::string shell = "bash";
};

std::string join(const std::vector<std::string>& words) {
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
    return s;
}

// What a positional holds, from its name: configs are TOML, the rest ratenet's files.
std::string file_glob(const std::string& positional) {
    if (positional == "shell") return "";
    return positional == "config" ? "*.toml" : "*.@(h5|part)";
}

// [output] is read by the command line, not by a reader the census runs.
std::vector<std::string> output_keys() {
    io::KeyCensus c;
    io::set_key_census(&c);
    try {
        CommonOptions o;
        o.config = "census.toml";
        output_path(o, io::Config::parse("", "census.toml"));
    } catch (...) {
        io::set_key_census(nullptr);
        throw;
    }
    io::set_key_census(nullptr);
    std::vector<std::string> keys;
    for (const auto& [section, ks] : c.keys)
        for (const auto& k : ks) keys.push_back(section + "." + k.first);
    return keys;
}

std::string bash_script(const CLI::App& app) {
    std::vector<std::string> commands, keys = app::config_keys();
    for (const auto& k : output_keys()) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (auto& k : keys) k += "=";

    std::string flags_case, values_case, files_case;
    for (const CLI::App* sub : app.get_subcommands({})) {
        const std::string name = sub->get_name();
        commands.push_back(name);
        std::vector<std::string> flags, valued;
        std::string glob;
        for (const CLI::Option* opt : sub->get_options()) {
            if (opt->get_positional()) {
                if (glob.empty()) glob = file_glob(opt->get_name());
                continue;
            }
            std::vector<std::string> names;
            for (const auto& s : opt->get_snames()) names.push_back("-" + s);
            for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
            flags.insert(flags.end(), names.begin(), names.end());
            if (opt->get_type_size() > 0) valued.insert(valued.end(), names.begin(), names.end());
        }
        flags_case += "        " + name + ") words=\"" + join(flags) + "\" ;;\n";
        if (!valued.empty()) values_case += "        " + name + ") valued=\"" + join(valued) + "\" ;;\n";
        if (!glob.empty()) files_case += "        " + name + ") glob='" + glob + "' ;;\n";
    }

    std::string s;
    s += "# bash completion for ratenet " + std::string(build::version) +
         ", written by `ratenet completion`: subcommands, their flags, and the\n"
         "# config keys of --set. Install: ratenet completion > ~/.local/share/bash-completion/completions/ratenet\n"
         "# (cmake --install puts it in share/bash-completion/completions).\n";
    s += "_ratenet_keys=\"" + join(keys) + "\"\n\n";
    s += "_ratenet() {\n"
         "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "    local cmd='' i words='' valued='' glob=''\n"
         "    COMPREPLY=()\n"
         "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "        case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac\n"
         "    done\n"
         "    if [[ -z $cmd ]]; then\n"
         "        COMPREPLY=($(compgen -W \"-h --help --version " +
         join(commands) +
         "\" -- \"$cur\"))\n"
         "        return 0\n"
         "    fi\n"
         "    # --set KEY=VALUE: bash splits the word at '=', so prev is --set while the key is typed.\n"
         "    if [[ $prev == --set ]]; then\n"
         "        COMPREPLY=($(compgen -W \"$_ratenet_keys\" -- \"$cur\"))\n"
         "        compopt -o nospace 2>/dev/null\n"
         "        return 0\n"
         "    fi\n"
         "    case $cmd in\n" +
         flags_case +
         "        *) return 0 ;;\n"
         "    esac\n"
         "    case $cmd in\n" +
         values_case +
         "    esac\n"
         "    if [[ \" $valued \" == *\" $prev \"* ]]; then\n"
         "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "        compopt -o filenames 2>/dev/null\n"
         "        return 0\n"
         "    fi\n"
         "    if [[ $cur == -* ]]; then\n"
         "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
         "        return 0\n"
         "    fi\n"
         "    case $cmd in\n" +
         files_case +
         "    esac\n"
         "    if [[ -n $glob ]]; then\n"
         "        local extglob_was; extglob_was=$(shopt -p extglob); shopt -s extglob\n"
         "        COMPREPLY=($(compgen -f -X \"!$glob\" -- \"$cur\") $(compgen -d -- \"$cur\"))\n"
         "        $extglob_was\n"
         "        compopt -o filenames 2>/dev/null\n"
         "    fi\n"
         "    return 0\n"
         "}\n"
         "complete -F _ratenet ratenet\n";
    return s;
}

}  // namespace

void setup_completion(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<CompletionOptions>();
    auto* sub = app.add_subcommand("completion", "Print a bash completion script: subcommands, flags and config keys");
    sub->add_option("shell", o->shell, "the shell (only bash)")->capture_default_str();
    sub->callback([&app, o, &exit_code] {
        exit_code = guarded([&] {
            if (o->shell != "bash") throw invalid_parameter("SHELL", o->shell, "only bash is supported");
            std::cout << bash_script(app);
            return exit_ok;
        });
    });
}

}  // namespace ratenet::cli
