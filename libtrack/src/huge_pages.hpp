// An allocator backed by 2 MB pages where the kernel offers them (libtrack-private), for large arrays read at random.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <sys/mman.h>
#include <vector>

namespace track {

/// Allocates arrays of 2 MB or more with mmap, advised to use transparent huge pages
/// (Linux's "madvise" mode, Debian's default), smaller ones as std::allocator does. The
/// fence grid's arrays want it: points land in random cells of tens of MB, and with 4 KB
/// pages nearly every lookup missed the TLB as well as the cache.
template <typename T>
struct HugePages {
    using value_type = T;
    HugePages() = default;
    template <typename U>
    explicit HugePages(const HugePages<U>&) noexcept {}
    static constexpr std::size_t huge = std::size_t{2} << 20;
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge) return std::allocator<T>().allocate(n);
        const std::size_t mapped = (bytes + huge - 1) / huge * huge;
        void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        ::madvise(p, mapped, MADV_HUGEPAGE);  // advice: without it, ordinary pages
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge) return std::allocator<T>().deallocate(p, n);
        ::munmap(p, (bytes + huge - 1) / huge * huge);
    }
    template <typename U>
    bool operator==(const HugePages<U>&) const noexcept {
        return true;
    }
};

/// A vector in huge pages.
template <typename T>
using HugeVector = std::vector<T, HugePages<T>>;

}  // namespace track
