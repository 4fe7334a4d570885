# Builds a hash of generated strings with churn (every third step deletes an earlier key, every
# other step appends to an earlier value), then sorts the keys by value and joins them.
use strict; use warnings;
my %h; my $x = 12345;
sub rnd { $x = ($x * 1103515245 + 12345) % 2147483648; return $x >> 8; }
for my $i (1 .. 90000) {
    my $r = rnd();
    $h{sprintf("key-%06d", $i)} = "value " . ("abcdefghij" x ($r % 7 + 1)) . " $i";
    if ($i % 3 == 0) { delete $h{sprintf("key-%06d", 1 + rnd() % $i)}; }
    if ($i % 2 == 0) {
        my $k = sprintf("key-%06d", 1 + rnd() % $i);
        $h{$k} .= " more" x (1 + rnd() % 5) if exists $h{$k};
    }
}
my @keys = sort { $h{$a} cmp $h{$b} or $a cmp $b } keys %h;
my $joined = join(",", @keys);
print scalar(@keys), " ", length($joined), "\n";
