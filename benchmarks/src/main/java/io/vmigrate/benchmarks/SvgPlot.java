package io.vmigrate.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line plot written as SVG text (no plotting library is served here): series of (x, y) points on
 * linear x and logarithmic y axes, with ticks, labels and a legend. Enough for a latency–throughput curve.
 */
final class SvgPlot {

    /** One series: its name, colour, whether points are joined, and the points. */
    record Series(String name, String colour, boolean joined, List<double[]> points) {}

    private static final int WIDTH = 720;
    private static final int HEIGHT = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 190;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();

    SvgPlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    SvgPlot add(Series one) {
        series.add(one);
        return this;
    }

    String render() {
        double xMax = 0;
        double yMin = Double.MAX_VALUE;
        double yMax = 0;
        for (Series one : series) {
            for (double[] p : one.points()) {
                xMax = Math.max(xMax, p[0]);
                yMin = Math.min(yMin, p[1]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        xMax = niceCeiling(xMax * 1.05);
        double logMin = Math.floor(Math.log10(Math.max(yMin, 1e-3)));
        double logMax = Math.ceil(Math.log10(Math.max(yMax, 1e-3) * 1.01));
        if (logMax <= logMin) {
            logMax = logMin + 1;
        }
        int plotWidth = WIDTH - LEFT - RIGHT;
        int plotHeight = HEIGHT - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>%n", LEFT, escape(title)));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n",
                LEFT, TOP, plotWidth, plotHeight));
        for (int i = 0; i <= 5; i++) {
            double x = xMax * i / 5;
            double px = LEFT + plotWidth * i / 5.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n",
                    px, TOP, px, TOP + plotHeight));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    px, TOP + plotHeight + 18, trim(x)));
        }
        for (double e = logMin; e <= logMax; e++) {
            for (int m : new int[] {1, 2, 5}) {
                double y = m * Math.pow(10, e);
                double log = Math.log10(y);
                if (log > logMax) {
                    continue;
                }
                double py = TOP + plotHeight * (1 - (log - logMin) / (logMax - logMin));
                svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                        LEFT, py, LEFT + plotWidth, py, m == 1 ? "#ccc" : "#eee"));
                svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                        LEFT - 6, py + 4, trim(y)));
            }
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                LEFT + plotWidth / 2, HEIGHT - 18, escape(xLabel)));
        svg.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">%s</text>%n",
                TOP + plotHeight / 2, TOP + plotHeight / 2, escape(yLabel)));
        int legendY = TOP + 10;
        for (Series one : series) {
            StringBuilder path = new StringBuilder();
            for (double[] p : one.points()) {
                double px = LEFT + plotWidth * p[0] / xMax;
                double py = TOP + plotHeight * (1 - (Math.log10(Math.max(p[1], 1e-3)) - logMin) / (logMax - logMin));
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>%n", px, py, one.colour()));
            }
            if (one.joined() && one.points().size() > 1) {
                svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                        path, one.colour()));
            }
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>%n",
                    LEFT + plotWidth + 16, legendY - 4, one.colour()));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + plotWidth + 26, legendY,
                    escape(one.name())));
            legendY += 20;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static double niceCeiling(double value) {
        if (value <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.1f", value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
