# Sandbox stand-in for dlc-slurmd.Dockerfile.
#
# What it stands for: the real two-stage build, where stage "dlc" (an AWS Deep
# Learning Container) supplies CUDA, NCCL, EFA, Open MPI, the OFI NCCL plugin
# and Python with PyTorch, and the runtime stage (the Slinky slurmd image)
# receives them, gets the same ENV and labels, and runs slurmd-stack-check.
#
# Why it exists: the real bases are multi-gigabyte images that can only be
# pulled from the internet (one of them after an ECR login), so slinky's
# build, tag, push and verify path cannot be exercised offline with them.
# This file keeps the same shape with two small busybox images made locally
# with `docker import`:
#   slinky-sandbox/dlc-base:local     stand-in files at the DLC's paths:
#       /usr/local/cuda/bin/nvcc (prints "release 12.6, V12.6.85"),
#       /opt/amazon/efa/lib/libfabric.so.1,
#       /opt/amazon/ofi-nccl/lib/x86_64-linux-gnu/libnccl-net.so,
#       /usr/local/lib/libnccl.so.2.23.4
#   slinky-sandbox/slurmd-base:local  a bare busybox root file system
# It needs no network: no apt, no pip, no registry pull (no "syntax" line
# either, which would pull a frontend image), no BuildKit-only features.
# The RUN steps use busybox sh only. The stand-ins for Open MPI and Python
# that dlc-base lacks are written in the first stage, where the DLC has them.
#
# The version ARGs below are the same pins as in dlc-slurmd.Dockerfile and
# versions.json; the build fails if the stand-ins do not satisfy them.
#   docker build -f sandbox-slurmd.Dockerfile -t slinky-sandbox/dlc-slurmd:local .

ARG DLC_IMAGE=slinky-sandbox/dlc-base:local
ARG SLURMD_IMAGE=slinky-sandbox/slurmd-base:local

FROM ${DLC_IMAGE} AS dlc

ARG CUDA_VERSION=12.6
ARG NCCL_VERSION=2.23.4
ARG EFA_INSTALLER_VERSION=1.38.0
ARG PYTORCH_VERSION=2.6.0
ARG PYTHON_VERSION=3.12.8
ARG PYTHON_SHORT_VERSION=3.12

# Stand-ins for what the DLC has and dlc-base does not: Amazon's Open MPI,
# the EFA installer's record, and a Python that answers the two questions
# slurmd-stack-check asks (its version, and torch's versions).
# SC2016 is ignored because the single-quoted lines are script text written
# to files on purpose; "${1:-}" must stay literal there.
# hadolint ignore=SC2016
RUN set -eu; \
    cu="cu${CUDA_VERSION%%.*}${CUDA_VERSION#*.}"; \
    mkdir -p /opt/amazon/openmpi/bin /opt/amazon/efa/bin /usr/local/bin; \
    printf '%s\n' \
      '#!/bin/sh' \
      '# sandbox stand-in for Open MPI mpirun' \
      'echo "mpirun (Open MPI) 4.1.7"' \
      > /opt/amazon/openmpi/bin/mpirun; \
    printf '%s\n' \
      "# EFA installer version: ${EFA_INSTALLER_VERSION}" \
      '# Debug packages installed: no' \
      '# sandbox stand-in' \
      > /opt/amazon/efa_installed_packages; \
    printf '%s\n' \
      '#!/bin/sh' \
      '# sandbox stand-in for the DLC Python with PyTorch' \
      'case "${1:-}" in' \
      "  --version) echo 'Python ${PYTHON_VERSION}' ;;" \
      "  -c) echo 'torch=${PYTORCH_VERSION}+${cu} cuda=${CUDA_VERSION} nccl=${NCCL_VERSION}' ;;" \
      '  *) echo "sandbox stand-in python: only --version and -c" >&2; exit 2 ;;' \
      'esac' \
      > "/usr/local/bin/python${PYTHON_SHORT_VERSION}"; \
    chmod 0755 /opt/amazon/openmpi/bin/mpirun "/usr/local/bin/python${PYTHON_SHORT_VERSION}"

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
ARG PYTHON_SHORT_VERSION=3.12
ARG STACK_CHECK_AT_BUILD=1

LABEL org.opencontainers.image.title="dlc-slurmd-sandbox" \
      org.opencontainers.image.description="Offline stand-in for the slinky dlc-slurmd image (busybox, fake stack files); not for use on a cluster" \
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

# Same copies as the real file; dlc-base keeps CUDA at /usr/local/cuda, and
# it lands at /usr/local/cuda-<version> as in the real image.
COPY --from=dlc /usr/local/cuda /usr/local/cuda-${CUDA_VERSION}
COPY --from=dlc /usr/local/lib/libnccl.so* /usr/local/lib/
COPY --from=dlc /opt/amazon/efa /opt/amazon/efa
COPY --from=dlc /opt/amazon/openmpi /opt/amazon/openmpi
COPY --from=dlc /opt/amazon/ofi-nccl /opt/amazon/ofi-nccl
COPY --from=dlc /opt/amazon/efa_installed_packages /opt/amazon/efa_installed_packages
COPY --from=dlc /usr/local/bin/python${PYTHON_SHORT_VERSION} /usr/local/bin/

COPY slurmd-stack-check /usr/local/bin/slurmd-stack-check

ENV CUDA_HOME=/usr/local/cuda \
    EFA_PATH=/opt/amazon/efa \
    OPEN_MPI_PATH=/opt/amazon/openmpi \
    OFI_NCCL_PATH=/opt/amazon/ofi-nccl

# PATH is written out in full: an image made by `docker import` carries no
# PATH to extend.
ENV PATH=/opt/amazon/openmpi/bin:/opt/amazon/efa/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
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

ENV STACK_EXPECT_CUDA=${CUDA_VERSION} \
    STACK_EXPECT_NCCL=${NCCL_VERSION} \
    STACK_EXPECT_EFA_INSTALLER=${EFA_INSTALLER_VERSION} \
    STACK_EXPECT_PYTHON=${PYTHON_VERSION} \
    STACK_EXPECT_TORCH=${PYTORCH_VERSION}

# The real file's wiring, minus what needs packages (apt, ldconfig, OpenSSH),
# then the same build-time check. busybox sh only.
RUN set -eu; \
    chmod 0755 /usr/local/bin/slurmd-stack-check; \
    ln -sfn "cuda-${CUDA_VERSION}" /usr/local/cuda; \
    ln -sf "python${PYTHON_SHORT_VERSION}" /usr/local/bin/python3; \
    ln -sf "python${PYTHON_SHORT_VERSION}" /usr/local/bin/python; \
    mkdir -p /etc/ld.so.conf.d /etc/profile.d; \
    printf '%s\n' \
      /opt/amazon/ofi-nccl/lib/x86_64-linux-gnu \
      /opt/amazon/efa/lib \
      /usr/local/cuda/lib64 \
      > /etc/ld.so.conf.d/000-slinky-stack.conf; \
    printf '%s\n' \
      'NCCL_DEBUG=INFO' \
      'NCCL_SOCKET_IFNAME=^lo,docker' \
      > /etc/nccl.conf; \
    if [ "${STACK_CHECK_AT_BUILD}" = 1 ]; then \
      STACK_CHECK_SKIP=efa-device slurmd-stack-check; \
    fi
