/*
 * Dash loads @babel/polyfill 7.12 (core-js 2) before anything else. On current Chromium its
 * whitespace self-test fails (U+180E is no longer whitespace since Unicode 6.3), so core-js replaces
 * the engine's parseFloat, parseInt and String.prototype.trim with versions that first run a regular
 * expression over the string. plotly.js calls parseFloat/parseInt for every point's colour and
 * opacity: on a 500-job Gantt chart that was about 0.4 s of a page render (Chromium CPU profile).
 * The engine's own functions are standard-conforming, so they are put back, taken from a fresh realm.
 */
(function restoreNativeNumberParsing() {
    "use strict";
    var frame = document.createElement("iframe");
    frame.style.display = "none";
    (document.head || document.documentElement).appendChild(frame);
    var native = frame.contentWindow;
    if (native && native.parseFloat && native.parseInt) {
        window.parseFloat = Number.parseFloat = native.parseFloat;
        window.parseInt = Number.parseInt = native.parseInt;
        String.prototype.trim = native.String.prototype.trim;
    }
    frame.parentNode.removeChild(frame);
})();
