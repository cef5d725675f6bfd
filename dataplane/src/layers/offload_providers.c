/* offload_providers.c - the FullOffload providers this library knows, each found by
 * probing the node's sys tree under the system root (common/sysroot.h):
 *   kernel-nvmet-tcp   the kernel's NVMe/TCP target (module nvmet_tcp loaded)
 *   nvidia-bluefield   PCI vendor 0x15b3, device 0xa2d*
 *   amd-pensando       PCI vendor 0x1dd8
 *   intel-ipu          PCI vendor 0x8086, device 0x1452
 * dpd_capabilities() reports the ones present and dpd_offload_resolve_mode() decides
 * from the same list. None of them has a driver in this build (no attach): FullOffload
 * needs one that can take the I/O path over, so on a node where only these are found
 * the profile's fallback applies and the log names what was found. Claiming FullOffload
 * while the software path still moves the data would make the mode a label. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "common/sysroot.h"
#include "layers/offload.h"

static bool kernel_nvmet_tcp_present(void) { return sysroot_is_dir("sys/module/nvmet_tcp"); }

/* True if a PCI device with this vendor id and a device id starting with device_prefix
 * ("" for any) is present. Without a PCI view (some containers) nothing is found. */
static bool pci_device_present(const char *vendor, const char *device_prefix)
{
	char dir[4352];
	if (!sysroot_path(dir, sizeof(dir), "sys/bus/pci/devices"))
		return false;
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char rel[512], v[32], dev[32];
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", de->d_name);
		if (!sysroot_read_line(rel, v, sizeof(v)) || strcmp(v, vendor) != 0)
			continue;
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/device", de->d_name);
		found = sysroot_read_line(rel, dev, sizeof(dev)) &&
			strncmp(dev, device_prefix, strlen(device_prefix)) == 0;
	}
	closedir(d);
	return found;
}

static bool bluefield_present(void) { return pci_device_present("0x15b3", "0xa2d"); }
static bool pensando_present(void) { return pci_device_present("0x1dd8", ""); }
static bool ipu_present(void) { return pci_device_present("0x8086", "0x1452"); }

static const struct dpd_offload_provider kernel_nvmet_tcp = {
	.name = "kernel-nvmet-tcp",
	.probe = kernel_nvmet_tcp_present,
};
static const struct dpd_offload_provider nvidia_bluefield = {
	.name = "nvidia-bluefield",
	.probe = bluefield_present,
};
static const struct dpd_offload_provider amd_pensando = {
	.name = "amd-pensando",
	.probe = pensando_present,
};
static const struct dpd_offload_provider intel_ipu = {
	.name = "intel-ipu",
	.probe = ipu_present,
};

const struct dpd_offload_provider *const dpd_offload_builtin[] = {
	&kernel_nvmet_tcp,
	&nvidia_bluefield,
	&amd_pensando,
	&intel_ipu,
};
const int dpd_offload_nbuiltin = (int)(sizeof(dpd_offload_builtin) / sizeof(dpd_offload_builtin[0]));
