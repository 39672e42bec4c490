package io.predictor.admin.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The migration console's static files ({@code /console/}), read once from the jar: a page that
 * calls only the admin API and loads nothing from anywhere else. Every answer carries a strict
 * Content-Security-Policy (same origin only, no inline script or style, no framing),
 * {@code nosniff}, and an {@code ETag} so that a browser revalidates instead of keeping an old
 * console after an upgrade. No token is needed to load them; the page asks for one.
 */
final class ConsoleAssets {

    static final String PREFIX = "/console/";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none';"
            + " frame-ancestors 'none'";
    /** The names served, and their types. */
    private static final Map<String, String> TYPES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "app.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    /** A file as it goes on the wire. */
    record Asset(byte[] content, String contentType, String etag) {
    }

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    ConsoleAssets() {
        TYPES.forEach((name, type) -> {
            byte[] bytes = read("/console/" + name);
            assets.put(name, new Asset(bytes, type, "\"" + digest(bytes) + "\""));
        });
    }

    /** {@code GET /console/NAME}: the file, 304 when the browser's copy is current, 404 for anything else. */
    AdminResponse get(AdminRequest req, String path) throws ApiException {
        String name = path.substring(PREFIX.length());
        Asset a = assets.get(name.isEmpty() ? "index.html" : name);
        if (a == null) {
            throw new ApiException(404, "not_found", "no such console file: " + path);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("ETag", a.etag());
        // revalidate every time (cheap: a 304), so an upgraded proxy never runs an old page
        headers.put("Cache-Control", "no-cache");
        headers.put("Content-Security-Policy", CSP);
        headers.put("X-Frame-Options", "DENY");
        // same-origin (not no-referrer): the page's own PUTs must carry its Origin for the CSRF guard
        headers.put("Referrer-Policy", "same-origin");
        headers.put("Cross-Origin-Resource-Policy", "same-origin");
        if (a.etag().equals(req.header("if-none-match"))) {
            return new AdminResponse(304, AdminResponse.Bytes.EMPTY, headers);
        }
        return new AdminResponse(200, new AdminResponse.Bytes(a.content(), a.contentType()), headers);
    }

    /** {@code /console} without the slash: relative URLs in the page need the directory form. */
    static AdminResponse redirect() {
        return new AdminResponse(308, AdminResponse.Bytes.EMPTY, Map.of("Location", PREFIX));
    }

    private static byte[] read(String resource) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("console file missing from the jar: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
