package dev.dpu.storage.dataplane.ffm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Finds and loads libdpudp.so, in this order (the first that is set wins; a set override that
 * does not point at a readable file is an error, never silently skipped):
 * <ol>
 *   <li>system property {@value #PROPERTY} - a path to the library;</li>
 *   <li>environment variable {@value #ENVIRONMENT} - a path to the library;</li>
 *   <li>the copy bundled on the class path at {@code dev/dpu/storage/dataplane/native/<arch>/}
 *       (the agent's jar carries it), extracted to a temporary file because the dynamic loader
 *       needs a real file.</li>
 * </ol>
 * The library is loaded once per JVM into the global arena: it is never unloaded, so method
 * handles bound to it stay valid for the life of the process.
 */
public final class DataplaneLibrary {

    public static final String PROPERTY = "dpu.dataplane.library";
    public static final String ENVIRONMENT = "DPU_DATAPLANE_LIBRARY";
    static final String FILE_NAME = "libdpudp.so";

    private static volatile Loaded loaded;

    /** Where the library was loaded from, and how it was found (for logs and the info metric). */
    public record Loaded(Path path, String foundBy, SymbolLookup symbols) {}

    private DataplaneLibrary() {}

    /** Loads the library on first use; later calls return the same one. */
    public static Loaded load() {
        Loaded result = loaded;
        if (result == null) {
            synchronized (DataplaneLibrary.class) {
                result = loaded;
                if (result == null) {
                    result = locate();
                    loaded = result;
                }
            }
        }
        return result;
    }

    private static Loaded locate() {
        return locate(
                System.getProperty(PROPERTY), System.getenv(ENVIRONMENT), DataplaneLibrary.class.getClassLoader());
    }

    /** The lookup order itself, with its inputs passed in (tests call it directly). */
    static Loaded locate(String property, String environment, ClassLoader loader) {
        if (property != null && !property.isBlank()) {
            return open(Path.of(property), "system property " + PROPERTY);
        }
        if (environment != null && !environment.isBlank()) {
            return open(Path.of(environment), "environment variable " + ENVIRONMENT);
        }
        String resource = bundledResourceName();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("libdpudp.so not found: set -D" + PROPERTY
                        + "=PATH or " + ENVIRONMENT + "=PATH, or run a build that bundles it (class path "
                        + "resource " + resource + " is missing; `make -C dataplane all` builds the library)");
            }
            Path extracted = Files.createTempFile("libdpudp-", ".so");
            extracted.toFile().deleteOnExit();
            Files.copy(in, extracted, StandardCopyOption.REPLACE_EXISTING);
            return open(extracted, "bundled copy " + resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled " + resource, e);
        }
    }

    static String bundledResourceName() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String dir =
                switch (arch) {
                    case "amd64", "x86_64" -> "linux-x86_64";
                    case "aarch64", "arm64" -> "linux-aarch64";
                    default -> "linux-" + arch;
                };
        return "dev/dpu/storage/dataplane/native/" + dir + "/" + FILE_NAME;
    }

    private static Loaded open(Path path, String foundBy) {
        if (!Files.isReadable(path)) {
            throw new IllegalStateException("libdpudp.so named by " + foundBy + " is not a readable file: " + path);
        }
        try {
            return new Loaded(path, foundBy, SymbolLookup.libraryLookup(path, Arena.global()));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "cannot load " + path + " (found by " + foundBy + "): " + e.getMessage(), e);
        }
    }
}
