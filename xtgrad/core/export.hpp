// What libxtgrad.so exports. The library is compiled with -fvisibility=hidden
// -fvisibility-inlines-hidden, so only what is declared between XTGRAD_API_BEGIN and
// XTGRAD_API_END is visible to other libraries and programs: every installed header wraps its
// declarations in them (classes with their typeinfo and vtables, free functions, and the
// detail:: pieces that inline code in those headers calls). Code in the .cpp files and in the
// uninstalled detail/ headers stays hidden, and so do the per-ISA kernels (xtgrad_kernels_<isa>).
// A region rather than a macro on each declaration, so that nothing a header declares can be
// forgotten. For consumers (default visibility) the pragmas change nothing.
#pragma once

#if defined(__GNUC__)
#define XTGRAD_API_BEGIN _Pragma("GCC visibility push(default)")
#define XTGRAD_API_END _Pragma("GCC visibility pop")
#else
#define XTGRAD_API_BEGIN
#define XTGRAD_API_END
#endif
