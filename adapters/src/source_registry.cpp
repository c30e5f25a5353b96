// The registry of live record sources (see adapters/source_registry.hpp).
#include "adapters/source_registry.hpp"

namespace adapters::source {

Registry<SourceInfo>& source_registry() {
    static Registry<SourceInfo> registry;
    return registry;
}

}  // namespace adapters::source
