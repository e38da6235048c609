# slurmd image for a Slinky Slurm cluster on EKS, with the GPU and network
# stack of an AWS Deep Learning Container (DLC).
#
# Stage "dlc" is only a source of files: CUDA, cuDNN, NCCL, the EFA libraries
# (libfabric), Amazon's Open MPI, the OFI NCCL plugin, and Python with PyTorch.
# The runtime stage is the Slinky slurmd image, so its entrypoint, Slurm build
# and supervisor setup stay as SchedMD ships them.
#
# Build context: the dockerfiles/ folder. The defaults of the ARGs below are
# kept equal to versions.json by a test; change both together.
#   docker build -f dlc-slurmd.Dockerfile -t dlc-slurmd:25.05.0-ubuntu24.04 .
# Pulling the DLC needs a login to its registry first:
#   aws ecr get-login-password --region us-east-1 | docker login --username AWS \
#     --password-stdin 763104351884.dkr.ecr.us-east-1.amazonaws.com
#
# The DLC is Ubuntu 22.04 and the slurmd image Ubuntu 24.04. Copying binaries
# forward to a newer glibc works, but their other shared libraries must exist
# in the new image: the runtime stage installs them and runs
# slurmd-stack-check at build time, whose "libs" check fails the build when
# any needed library does not resolve.

ARG DLC_IMAGE=763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.6.0-gpu-py312-cu126-ubuntu22.04-ec2
ARG SLURMD_IMAGE=ghcr.io/slinkyproject/slurmd:25.05.0-ubuntu24.04

FROM ${DLC_IMAGE} AS dlc

FROM ${SLURMD_IMAGE}

ARG DLC_IMAGE
ARG SLURMD_IMAGE
ARG SLURM_VERSION=25.05.0
ARG SLINKY_CHART_VERSION=0.4.1
ARG CUDA_VERSION=12.6
ARG NCCL_VERSION=2.23.4
ARG EFA_INSTALLER_VERSION=1.38.0
ARG PYTORCH_VERSION=2.6.0
ARG PYTHON_VERSION=3.12.8
ARG IMAGE_TAG=25.05.0-ubuntu24.04
# Derived from PYTHON_VERSION (checked below); names the copied folders.
ARG PYTHON_SHORT_VERSION=3.12
# Set to 0 to skip running slurmd-stack-check while building (for example
# under slow amd64 emulation on an arm64 machine).
ARG STACK_CHECK_AT_BUILD=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

LABEL org.opencontainers.image.title="dlc-slurmd" \
      org.opencontainers.image.description="Slinky slurmd ${SLURM_VERSION} with CUDA ${CUDA_VERSION}, NCCL ${NCCL_VERSION}, EFA ${EFA_INSTALLER_VERSION}, Python ${PYTHON_VERSION} and PyTorch ${PYTORCH_VERSION} from an AWS Deep Learning Container" \
      org.opencontainers.image.version="${IMAGE_TAG}" \
      org.opencontainers.image.base.name="${SLURMD_IMAGE}" \
      slinky.stack.slurm-version="${SLURM_VERSION}" \
      slinky.stack.slinky-chart-version="${SLINKY_CHART_VERSION}" \
      slinky.stack.dlc-image="${DLC_IMAGE}" \
      slinky.stack.cuda-version="${CUDA_VERSION}" \
      slinky.stack.nccl-version="${NCCL_VERSION}" \
      slinky.stack.efa-installer-version="${EFA_INSTALLER_VERSION}" \
      slinky.stack.pytorch-version="${PYTORCH_VERSION}" \
      slinky.stack.python-version="${PYTHON_VERSION}"

# Runtime libraries that the copied stack links against and the slurmd image
# lacks: rdma-core (ibverbs-providers brings libibverbs and libefa) for
# libfabric, hwloc and numa for Open MPI and NCCL, libgomp for PyTorch, the
# libraries of Python's own extension modules, a compiler for Triton's
# run-time kernel launchers (torch.compile), and OpenSSH for launching across
# nodes outside srun.
# DL3008 (pin apt package versions) is ignored here: the base image is pinned
# by tag, and pinned Ubuntu package versions break the build as soon as the
# archive moves on to a newer security update.
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential \
      ca-certificates \
      ibverbs-providers \
      libffi8 \
      libgomp1 \
      libhwloc15 \
      libnuma1 \
      libreadline8t64 \
      libsqlite3-0 \
      libtk8.6 \
      openssh-client \
      openssh-server \
      openssl \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

# CUDA toolkit (nvcc, cudart, cuBLAS, ...) and cuDNN, which PyTorch loads.
COPY --from=dlc /usr/local/cuda-${CUDA_VERSION} /usr/local/cuda-${CUDA_VERSION}
COPY --from=dlc /usr/lib/x86_64-linux-gnu/libcudnn* /usr/lib/x86_64-linux-gnu/

# NCCL, built by the DLC into /usr/local/lib.
COPY --from=dlc /usr/local/lib/libnccl.so* /usr/local/lib/

# EFA: libfabric and its tools, Amazon's Open MPI (its mpirun already wraps
# --allow-run-as-root), the OFI NCCL plugin, and the installer's record of
# what it installed (read by slurmd-stack-check).
COPY --from=dlc /opt/amazon/efa /opt/amazon/efa
COPY --from=dlc /opt/amazon/openmpi /opt/amazon/openmpi
COPY --from=dlc /opt/amazon/ofi-nccl /opt/amazon/ofi-nccl
COPY --from=dlc /opt/amazon/efa_installed_packages /opt/amazon/efa_installed_packages

# Python (built from source by the DLC into /usr/local) with PyTorch and the
# rest of the DLC's packages in its site-packages; headers for native builds.
COPY --from=dlc /usr/local/bin/python${PYTHON_SHORT_VERSION} /usr/local/bin/pip${PYTHON_SHORT_VERSION} /usr/local/bin/torchrun /usr/local/bin/
COPY --from=dlc /usr/local/lib/python${PYTHON_SHORT_VERSION} /usr/local/lib/python${PYTHON_SHORT_VERSION}
COPY --from=dlc /usr/local/lib/libpython${PYTHON_SHORT_VERSION}* /usr/local/lib/
COPY --from=dlc /usr/local/include/python${PYTHON_SHORT_VERSION} /usr/local/include/python${PYTHON_SHORT_VERSION}

COPY slurmd-stack-check /usr/local/bin/slurmd-stack-check

ENV CUDA_HOME=/usr/local/cuda \
    EFA_PATH=/opt/amazon/efa \
    OPEN_MPI_PATH=/opt/amazon/openmpi \
    OFI_NCCL_PATH=/opt/amazon/ofi-nccl

# No relative or empty entries in LD_LIBRARY_PATH: either would make the
# loader search the current folder. The same folders also go to
# /etc/ld.so.conf.d (below) because Slurm job steps take their environment
# from the submitting shell, not from this image.
ENV PATH=/opt/amazon/openmpi/bin:/opt/amazon/efa/bin:/usr/local/cuda/bin:${PATH} \
    LD_LIBRARY_PATH=/opt/amazon/ofi-nccl/lib/x86_64-linux-gnu:/opt/amazon/efa/lib:/opt/amazon/openmpi/lib:/usr/local/cuda/lib64:/usr/local/lib:/usr/local/nvidia/lib:/usr/local/nvidia/lib64 \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    FI_PROVIDER=efa \
    OMPI_ALLOW_RUN_AS_ROOT=1 \
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONIOENCODING=UTF-8 \
    LANG=C.UTF-8 \
    LC_ALL=C.UTF-8

# What slurmd-stack-check expects; override at run time to test it.
ENV STACK_EXPECT_CUDA=${CUDA_VERSION} \
    STACK_EXPECT_NCCL=${NCCL_VERSION} \
    STACK_EXPECT_EFA_INSTALLER=${EFA_INSTALLER_VERSION} \
    STACK_EXPECT_PYTHON=${PYTHON_VERSION} \
    STACK_EXPECT_TORCH=${PYTORCH_VERSION}

# Wire the copied stack in:
# - python/pip names, and the CUDA symlinks the DLC had;
# - loader folders for the stack (Open MPI's stay in LD_LIBRARY_PATH only,
#   so they do not shadow the slurmd image's own Open MPI for other users);
# - NCCL settings every job gets: skip loopback and docker bridges when NCCL
#   picks a socket interface. FI_EFA_USE_DEVICE_RDMA is left unset on
#   purpose: libfabric turns device RDMA on where the EFA device has it, and
#   forcing it to 1 aborts on devices without RDMA read (g5, for one);
# - a login-shell profile with the same PATH, for ssh and `bash --login`;
# - OpenSSH usable in a container: no baked host keys (run `ssh-keygen -A`
#   before starting sshd), pam_loginuid optional, no host key prompts between
#   pods whose keys change with every restart. No user keys are baked in;
#   mount them (for example from a Kubernetes secret) into /root/.ssh;
# - last, verify the stack, so an incomplete copy fails the build rather
#   than the first job. No EFA device exists while building, and a build
#   host's own /sys/class/infiniband must not make fi_info run here.
# SC2016 is ignored because the profile lines are written with literal
# ${PATH} and ${FI_PROVIDER:-efa} on purpose: they expand at login, not now.
# hadolint ignore=SC2016
RUN case "${PYTHON_VERSION}" in \
      "${PYTHON_SHORT_VERSION}".*) ;; \
      *) echo "PYTHON_SHORT_VERSION ${PYTHON_SHORT_VERSION} does not match PYTHON_VERSION ${PYTHON_VERSION}" >&2; exit 1 ;; \
    esac \
 && chmod 0755 /usr/local/bin/slurmd-stack-check \
 && ln -sfn "cuda-${CUDA_VERSION}" /usr/local/cuda \
 && ln -sfn "cuda-${CUDA_VERSION}" "/usr/local/cuda-${CUDA_VERSION%%.*}" \
 && ln -sf "python${PYTHON_SHORT_VERSION}" /usr/local/bin/python3 \
 && ln -sf "python${PYTHON_SHORT_VERSION}" /usr/local/bin/python \
 && ln -sf "pip${PYTHON_SHORT_VERSION}" /usr/local/bin/pip3 \
 && ln -sf "pip${PYTHON_SHORT_VERSION}" /usr/local/bin/pip \
 && printf '%s\n' \
      /opt/amazon/ofi-nccl/lib/x86_64-linux-gnu \
      /opt/amazon/efa/lib \
      /usr/local/cuda/lib64 \
      > /etc/ld.so.conf.d/000-slinky-stack.conf \
 && ldconfig \
 && printf '%s\n' \
      'NCCL_DEBUG=INFO' \
      'NCCL_SOCKET_IFNAME=^lo,docker' \
      > /etc/nccl.conf \
 && printf '%s\n' \
      '# Added by the slinky dlc-slurmd image.' \
      'export PATH="/opt/amazon/openmpi/bin:/opt/amazon/efa/bin:/usr/local/cuda/bin:/usr/local/bin:${PATH}"' \
      'export FI_PROVIDER="${FI_PROVIDER:-efa}"' \
      'export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1' \
      > /etc/profile.d/slinky-stack.sh \
 && mkdir -p /run/sshd /root/.ssh \
 && chmod 0700 /root/.ssh \
 && rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub \
 && sed -i -E 's/^session([[:space:]]+)required([[:space:]]+)pam_loginuid\.so/session\1optional\2pam_loginuid.so/' /etc/pam.d/sshd \
 && printf '%s\n' \
      'Host *' \
      '    StrictHostKeyChecking no' \
      '    UserKnownHostsFile /dev/null' \
      '    LogLevel ERROR' \
      > /etc/ssh/ssh_config.d/50-slinky-cluster.conf \
 && if [ "${STACK_CHECK_AT_BUILD}" = 1 ]; then \
      STACK_CHECK_SKIP=efa-device slurmd-stack-check; \
    fi
