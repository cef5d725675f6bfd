package dev.dpu.storage.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Inline data encryption by the software data path. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Encryption {
    public static final String AES_256_XTS = "AES-256-XTS";

    @Default(AES_256_XTS)
    @ValidationRule(value = "self == 'AES-256-XTS'", message = "the only supported algorithm is AES-256-XTS")
    @JsonPropertyDescription("Cipher. Only AES-256-XTS (tweak = LBA, data unit = logical block) is supported.")
    private String algorithm;

    @Required
    @JsonPropertyDescription("Secret key holding the 64-byte XTS key (two AES-256 keys).")
    private SecretKeyRef keySecretRef;

    public String getAlgorithm() {
        return algorithm;
    }

    public void setAlgorithm(String algorithm) {
        this.algorithm = algorithm;
    }

    public SecretKeyRef getKeySecretRef() {
        return keySecretRef;
    }

    public void setKeySecretRef(SecretKeyRef keySecretRef) {
        this.keySecretRef = keySecretRef;
    }

    public String algorithmOrDefault() {
        return algorithm == null ? AES_256_XTS : algorithm;
    }
}
