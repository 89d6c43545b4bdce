package dev.ferry.library;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * An invite ticket: a copyable string (URL-safe base64 of a JSON object, like the CAN seed's
 * {@code eyJsaWJyYXJ5X25hbWUiOi...}) that carries the library's name and id, the invite id, a capability secret of
 * 256 random bits, the inviter's peer id and listener addresses, and an optional expiry. Whoever holds the
 * ticket may join; the secret itself never crosses the network (see {@link Capability}). {@code kind} (absent for
 * asset libraries) tells the joiner whether it must name a folder of its own.
 */
@JsonPropertyOrder({"library_name", "library_id", "filter", "invite_id", "secret", "inviter", "addresses", "expires_at", "kind"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Ticket(String libraryName, String libraryId, dev.ferry.store.AssetFilter filter, String inviteId, String secret,
        String inviter, List<String> addresses, Long expiresAt, String kind) {

    /** The library's kind; tickets without one (made before folder libraries) are for asset libraries. */
    public String kindOrAssets() {
        return kind == null ? Library.ASSETS : kind;
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public String encode() {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(this));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a ticket, or throws IllegalArgumentException saying what is wrong with it. */
    public static Ticket decode(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the ticket is empty");
        }
        byte[] json;
        try {
            json = Base64.getUrlDecoder().decode(text.trim().replace('+', '-').replace('/', '_').replace("=", ""));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the ticket is not valid base64 (was it copied whole?)");
        }
        Ticket t;
        try {
            t = JSON.readValue(json, Ticket.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the ticket does not decode to an invite (was it copied whole?)");
        }
        if (t == null || t.libraryId() == null || t.inviteId() == null || t.secret() == null || t.inviter() == null
                || t.filter() == null) {
            throw new IllegalArgumentException("the ticket lacks its library id, filter, invite id, secret or inviter");
        }
        byte[] secret;
        try {
            secret = Base64.getUrlDecoder().decode(t.secret());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the ticket's secret is not valid base64");
        }
        if (secret.length < 32) {
            throw new IllegalArgumentException("the ticket's secret is shorter than 256 bits");
        }
        if (t.addresses() == null || t.addresses().isEmpty()) {
            throw new IllegalArgumentException("the ticket names no address of the inviter");
        }
        return t;
    }

    byte[] secretBytes() {
        return Base64.getUrlDecoder().decode(secret);
    }

    /**
     * The filter in the canonical JSON both sides put into the capability proof: the joiner agrees to share what
     * the ticket showed it, and an inviter cannot answer with a wider filter.
     */
    public static String canonical(dev.ferry.store.AssetFilter filter) {
        try {
            return JSON.writeValueAsString(filter);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String encodeSecret(byte[] secret) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    @Override
    public String toString() {
        return "Ticket[" + libraryName + " " + libraryId + " from " + inviter + "]"; // never print the secret
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
