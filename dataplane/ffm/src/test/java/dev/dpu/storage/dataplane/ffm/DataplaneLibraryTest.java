package dev.dpu.storage.dataplane.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The documented lookup order: property, then environment, then the bundled copy. */
class DataplaneLibraryTest {

    private static final Path BUILT = Path.of(System.getProperty(DataplaneLibrary.PROPERTY));
    private static final ClassLoader NOTHING_BUNDLED = new URLClassLoader(new URL[0], null);

    @Test
    void propertyWinsOverEnvironment() {
        DataplaneLibrary.Loaded loaded =
                DataplaneLibrary.locate(BUILT.toString(), "/nonexistent/libdpudp.so", NOTHING_BUNDLED);

        assertThat(loaded.path()).isEqualTo(BUILT);
        assertThat(loaded.foundBy()).isEqualTo("system property dpu.dataplane.library");
        assertThat(loaded.symbols().find("dpd_engine_create")).isPresent();
    }

    @Test
    void environmentIsUsedWhenNoProperty() {
        DataplaneLibrary.Loaded loaded = DataplaneLibrary.locate(null, BUILT.toString(), NOTHING_BUNDLED);

        assertThat(loaded.foundBy()).isEqualTo("environment variable DPU_DATAPLANE_LIBRARY");
    }

    @Test
    void bundledCopyIsExtractedWhenNothingIsSet(@TempDir Path jar) throws Exception {
        Path resource = jar.resolve(DataplaneLibrary.bundledResourceName());
        Files.createDirectories(resource.getParent());
        Files.copy(BUILT, resource);
        try (URLClassLoader bundle = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            DataplaneLibrary.Loaded loaded = DataplaneLibrary.locate(null, "", bundle);

            assertThat(loaded.foundBy()).startsWith("bundled copy dev/dpu/storage/dataplane/native/");
            assertThat(loaded.path()).isNotEqualTo(BUILT);
            assertThat(Files.size(loaded.path())).isEqualTo(Files.size(BUILT));
        }
    }

    @Test
    void aWrongOverrideIsAnErrorNotASilentFallback() {
        assertThatThrownBy(() -> DataplaneLibrary.locate("/nonexistent/libdpudp.so", BUILT.toString(), NOTHING_BUNDLED))
                .hasMessageContaining("system property dpu.dataplane.library")
                .hasMessageContaining("/nonexistent/libdpudp.so");
    }

    @Test
    void nothingFoundSaysHowToProvideIt() {
        assertThatThrownBy(() -> DataplaneLibrary.locate(null, null, NOTHING_BUNDLED))
                .hasMessageContaining("-Ddpu.dataplane.library=PATH")
                .hasMessageContaining("DPU_DATAPLANE_LIBRARY");
    }
}
