#!/usr/bin/perl
# Rewrites one CUDA source (.cu / .cuh) for the host compiler: each kernel<<<grid, block>>>(args) launch becomes
# ::emu::Launch(grid, block).go([&](auto&... emu_a) { kernel(emu_a...); }, args), on the same lines, and the
# output starts with #line 1 "SOURCE" so that diagnostics and __FILE__ name the original file.
# Usage: rewrite.pl SOURCE OUTPUT (Perl, not Python: perl is in every Debian install, python3 is not).
use strict;
use warnings;
die "usage: rewrite.pl SOURCE OUTPUT\n" unless @ARGV == 2;
my ($src, $out) = @ARGV;
open(my $in, '<', $src) or die "rewrite.pl: $src: $!\n";
my $text = do { local $/; <$in> };
close($in);
my $n = ($text =~ s/([A-Za-z_][\w:]*(?:<[^<>;()]*>)?)\s*<<<(.*?)>>>\s*\(/::emu::Launch($2).go([&](auto&... emu_a) { $1(emu_a...); }, /g) || 0;
die "rewrite.pl: a <<< launch in $src that the pattern does not match\n" if $text =~ /<<</;
open(my $o, '>', "$out.tmp") or die "rewrite.pl: $out.tmp: $!\n";
print $o "#line 1 \"$src\"\n", $text;
close($o) or die "rewrite.pl: $out.tmp: $!\n";
rename("$out.tmp", $out) or die "rewrite.pl: $out: $!\n";
