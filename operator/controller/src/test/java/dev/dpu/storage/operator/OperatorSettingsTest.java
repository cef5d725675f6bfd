package dev.dpu.storage.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OperatorSettingsTest {
    @Test
    void blankWatchesEveryNamespace() {
        assertThat(OperatorSettings.parseNamespaces(null)).isEmpty();
        assertThat(OperatorSettings.parseNamespaces(" ")).isEmpty();
    }

    @Test
    void commaSeparatedNamespacesWithSpaces() {
        assertThat(OperatorSettings.parseNamespaces("storage, storage-secure,storage"))
                .containsExactly("storage", "storage-secure");
    }

    @Test
    void aNameThatCannotBeANamespaceIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> OperatorSettings.parseNamespaces("storage,Storage_B"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DPU_OPERATOR_WATCH_NAMESPACES")
                .hasMessageContaining("\"Storage_B\" is not a namespace name");
        assertThatThrownBy(() -> OperatorSettings.parseNamespaces("storage,,b"))
                .hasMessageContaining("\"\" is not a namespace name");
    }
}
