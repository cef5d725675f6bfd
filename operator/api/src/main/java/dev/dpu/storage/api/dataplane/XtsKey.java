package dev.dpu.storage.api.dataplane;

import java.util.Arrays;

/**
 * The one rule for the AES-256-XTS key of a pool: exactly 64 raw bytes (key1 || key2, two
 * AES-256 keys), as {@code head -c 64 /dev/urandom} writes them. Used by the operator to check
 * the Secret before rolling it out and by the agent to read the mounted file. Messages never
 * contain key material.
 */
public final class XtsKey {

    /** Bytes of an AES-256-XTS key. */
    public static final int BYTES = 64;
    /** The format, in words, for messages and docs. */
    public static final String FORMAT = "exactly 64 raw bytes (two AES-256 keys, key1 then key2)";

    private XtsKey() {}

    /** Null when {@code key} is a valid key, otherwise why not (without any key bytes). */
    public static String problem(byte[] key) {
        if (key == null) {
            return "no key";
        }
        if (key.length != BYTES) {
            return "holds " + key.length + " bytes; the key must be " + FORMAT;
        }
        boolean halvesEqual = Arrays.equals(key, 0, BYTES / 2, key, BYTES / 2, BYTES);
        if (halvesEqual) {
            return "its two halves are equal; XTS needs two different AES-256 keys";
        }
        return null;
    }

    /** The key, checked; throws IllegalArgumentException with {@link #problem}'s text otherwise. */
    public static byte[] parse(byte[] key) {
        String problem = problem(key);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return key.clone();
    }
}
