# gnuplot script for docs/ktanh-error.png (run by scripts/plot-ktanh-error.sh).
set terminal pngcairo size 1100,560 font "DejaVu Sans,11"
set output ARG2
set title "tanh approximation error against double precision (compiled kernels, host target)"
set xlabel "x"
set ylabel "|approximation - tanh(x)|"
set logscale y
set format y "10^{%L}"
set yrange [1e-10:0.05]
set xrange [-5:5]
set grid
set key top right
plot ARG1 using 1:($3 > 0 ? $3 : 1e-10) with lines lw 1.2 lc rgb "#d62728" title "K-TanH f32 mantissa(full) (max 9.8e-3)", \
     ARG1 using 1:($2 > 0 ? $2 : 1e-10) with lines lw 1.0 lc rgb "#ff7f0e" title "K-TanH bf16 (max 8.9e-3)", \
     ARG1 using 1:($5 > 0 ? $5 : 1e-10) with lines lw 1.0 lc rgb "#1f77b4" title "MLIR polynomial tanh, f32 (max 2.9e-7)"
