// `where` selectors of `trk check` rules on id, kind, home and attributes (check_selection.hpp).
#include "check_selection.hpp"

namespace track::check {

bool RuleSelection::work_out_statically(std::size_t rule, const std::string& name) const {
    const AssetProfile* profile = nullptr;
    bool looked_up = false;
    for (const Selector& selector : rules_.rules[rule].rule.where) {
        if (selector.key == "zone") continue;
        if (selector.key == "id") {
            if (!glob_match(selector.value, name)) return false;
            continue;
        }
        if (!looked_up) {
            profile = profiles_ ? profiles_(name) : nullptr;
            looked_up = true;
        }
        if (profile == nullptr) return false;
        if (selector.key == "kind") {
            if (profile->kind != selector.value) return false;
        } else if (selector.key == "home") {
            if (profile->home != selector.value) return false;
        } else {
            const auto found = profile->attributes.find(selector.key);
            if (found == profile->attributes.end() || found->second != selector.value) return false;
        }
    }
    return true;
}

std::vector<std::uint32_t> RuleSelection::statically_selected(AssetSelection& asset,
                                                              const std::vector<std::size_t>& candidates,
                                                              const std::string& name) {
    std::vector<std::uint32_t> selected;
    for (const std::size_t rule : candidates) {
        if (selects_statically(asset, rule, name)) selected.push_back(static_cast<std::uint32_t>(rule));
    }
    return selected;
}

}  // namespace track::check
