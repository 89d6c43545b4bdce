package dev.ferry.library;

import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof that a peer holds an invite's secret without revealing it: HMAC-SHA256 keyed with the secret over
 * {@code "ferry-join-v2" | library id | filter (canonical JSON) | invite id | joiner's peer id | inviter's peer id}:
 * the filter is the one the ticket showed the joiner, so what it agreed to share is what it will share. Both peer ids are the
 * ones the TLS handshake authenticated, so a proof is useless to anyone but the joiner, towards anyone but the
 * inviter: an eavesdropper (there is none under TLS) or a malicious inviter-in-the-middle cannot replay it.
 */
public final class Capability {
    private Capability() {}

    public static byte[] proof(byte[] secret, String libraryId, String filterJson, String inviteId, String joinerId,
            String inviterId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            for (String part : new String[] {"ferry-join-v2", libraryId, filterJson, inviteId, joinerId, inviterId}) {
                byte[] b = Ticket.utf8(part);
                mac.update((byte) (b.length >>> 8));
                mac.update((byte) b.length);
                mac.update(b);
            }
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Constant-time comparison of a presented proof with the expected one. */
    public static boolean verify(byte[] expected, byte[] presented) {
        return presented != null && MessageDigest.isEqual(expected, presented);
    }
}
