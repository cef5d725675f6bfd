package dev.dpu.storage.api.dataplane;

import java.util.List;

/** dataplane.json was refused; {@link #problems()} names each offending field by its JSON path. */
public final class InvalidDataplaneConfigException extends Exception {

    private final boolean malformed;
    private final List<String> problems;

    public InvalidDataplaneConfigException(boolean malformed, List<String> problems) {
        super(String.join("; ", problems));
        this.malformed = malformed;
        this.problems = List.copyOf(problems);
    }

    /** True when the text is not JSON of the contract's shape; false when a value is out of range. */
    public boolean malformed() {
        return malformed;
    }

    public List<String> problems() {
        return problems;
    }
}
