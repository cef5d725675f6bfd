package dev.dpu.storage.api.v1alpha1;

/** Names shared by every kind of the storage.dpu.dev/v1alpha1 API. */
public final class ApiGroup {
    public static final String GROUP = "storage.dpu.dev";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    /** `kubectl get dpu` lists every kind of this API. */
    public static final String CATEGORY = "dpu";

    /** DNS-1123 label: names that end up in NQNs, file names and label values. */
    public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    /** DNS-1123 subdomain: names of Kubernetes objects. */
    public static final String DNS_SUBDOMAIN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    /**
     * An NVMe Qualified Name (NVMe base spec 4.5): "nqn." + yyyy-mm + "." + reverse domain,
     * optionally ":" + a user string; the 2014-08.org.nvmexpress:uuid: form matches too.
     */
    public static final String NQN = "^nqn\\.[0-9]{4}-(0[1-9]|1[0-2])\\.[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:.+)?$";
    /** NQNs are at most 223 bytes (NVMe base spec). */
    public static final int NQN_MAX_LENGTH = 223;

    private ApiGroup() {}
}
