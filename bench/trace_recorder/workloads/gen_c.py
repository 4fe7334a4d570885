# Generates a C file of a few thousand lines: structs, functions with loops, switches and calls.
N = 300
out = ["#include <stddef.h>", ""]
for i in range(N):
    out.append("struct s%d { int a; long b; double c[%d]; struct s%d *next; };" % (i, i % 7 + 1, i))
for i in range(N):
    out += [
        "static long f%d(struct s%d *p, int n) {" % (i, i),
        "  long acc = %d;" % i,
        "  for (int j = 0; j < n; ++j) {",
        "    switch ((j + %d) %% 5) {" % i,
        "      case 0: acc += p->a * j; break;",
        "      case 1: acc ^= p->b + %d; break;" % (i * 7),
        "      case 2: acc -= (long)p->c[j %% %d]; break;" % (i % 7 + 1),
        "      case 3: if (p->next) acc += f%d(p->next, n - 1); break;" % i,
        "      default: acc = acc * 31 + j;",
        "    }",
        "  }",
        "  return acc%s;" % ("" if i == 0 else " + f%d((struct s%d *)0, 0)" % (i - 1, i - 1)),
        "}",
        "",
    ]
out.append("long entry(void *p) { return f%d(p, 10); }" % (N - 1))
print("\n".join(out))
