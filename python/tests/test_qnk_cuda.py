"""The qnk package's CUDA path, without a GPU: DLPack capsules read, taken and
made with ctypes; the whole call path of CUDA libraries (device and host
pointers) against the CUDA runtime's fake driver (device 0 an sm_80, device 1
an sm_90, whose memory is host memory and whose kernels do nothing), with
every check a kernel makes of its tensors; no driver at all; and ``import
qnk`` without the compiler extension, as on a GPU machine without MLIR.

The fake driver is chosen (QNK_CUDA_DRIVER) before this process first uses
the runtime, which reads the setting once; the no-driver and no-extension
cases run in subprocesses."""

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

import qnk
from qnk import _dlpack

M, N, K = 20, 24, 40
BF16 = ml_dtypes.bfloat16
REPO = Path(__file__).resolve().parents[2]


def _fake_driver():
    """The fake libcuda the runtime tests use, from the build tree that
    holds this qnk package (or $QNK_FAKE_CUDA_DRIVER)."""
    override = os.environ.get("QNK_FAKE_CUDA_DRIVER")
    if override:
        return Path(override)
    return Path(qnk.__file__).resolve().parents[2] / "lib" / "libQNKFakeCUDADriver.so"


def _skip_without_cuda_compiler():
    try:
        qnk.find_tool("qnk-compile")
    except qnk.ToolNotFoundError:
        pytest.skip("no qnk-compile")
    cuda_home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    if not (Path(cuda_home) / "bin" / "ptxas").exists():
        pytest.skip("no ptxas: CUDA libraries cannot be compiled")
    if not _fake_driver().is_file():
        pytest.skip(f"no fake CUDA driver at {_fake_driver()}")


@pytest.fixture(scope="module")
def libraries(tmp_path_factory):
    """sm_90a libraries of an N×K-weight bf16 matmul: device and host
    pointers; the fake driver selected for this process."""
    _skip_without_cuda_compiler()
    os.environ["QNK_CUDA_DRIVER"] = str(_fake_driver())
    directory = tmp_path_factory.mktemp("cuda")
    module = qnk.matmul("bf16", "bf16", M, N, K, transpose_b=True)
    paths = {}
    for pointers in ("device", "host"):
        paths[pointers] = qnk.compile_library(
            module, directory / f"libmm_{pointers}.so", device="cuda",
            chip="sm_90a", pointers=pointers)
    return paths


@pytest.fixture(scope="module")
def fake(libraries):
    """The fake driver's test hooks (it is loaded by then)."""
    driver = ctypes.CDLL(str(_fake_driver()))
    driver.fakeCudaSetHang.argtypes = [ctypes.c_int]
    return driver


def _operands(rng):
    a = rng.standard_normal((M, K)).astype(BF16)
    b = rng.standard_normal((N, K)).astype(BF16)
    return a, b


class Tensor:
    """A tensor that only speaks DLPack, over a hand-built managed tensor:
    any device, dtype, strides, offset and read-only flag."""

    def __init__(self, data, shape, dtype=(4, 16), device=(2, 1), strides=None,
                 byte_offset=0, read_only=False, versioned=True):
        self.versioned = versioned
        cls = (_dlpack._DLManagedTensorVersioned if versioned
               else _dlpack._DLManagedTensor)
        self.managed = cls()
        self.shape = (ctypes.c_int64 * len(shape))(*shape)
        self.strides = (ctypes.c_int64 * len(shape))(*strides) if strides else None
        tensor = self.managed.dl_tensor
        tensor.data, tensor.ndim = data, len(shape)
        tensor.device = _dlpack._DLDevice(*device)
        tensor.dtype = _dlpack._DLDataType(dtype[0], dtype[1], 1)
        tensor.shape, tensor.byte_offset = self.shape, byte_offset
        if self.strides:
            tensor.strides = self.strides
        if versioned:
            self.managed.major, self.managed.flags = 1, int(read_only)
        self.device = device

    def __dlpack_device__(self):
        return self.device

    def __dlpack__(self, stream=None, max_version=None):
        return _dlpack.make_capsule(ctypes.addressof(self.managed), self.versioned)


# --- DLPack capsules -------------------------------------------------------


@pytest.mark.parametrize("versioned", [False, True])
def test_read_numpy_capsules(versioned):
    a = np.arange(24, dtype=np.int32).reshape(4, 6)
    kwargs = {"max_version": (1, 0)} if versioned else {}
    view = _dlpack.read_capsule(a.__dlpack__(**kwargs))
    assert (view.device_type, view.device_id) == (1, 0)
    assert (view.code, view.bits, view.lanes, view.type_name) == (0, 32, 1, "int32")
    assert view.shape == (4, 6) and view.data == a.ctypes.data
    assert view.is_row_major() and not view.read_only
    columns = _dlpack.read_capsule(a[1:, ::2].__dlpack__(**kwargs))
    assert columns.shape == (3, 3) and columns.strides == (6, 2)
    assert columns.data == a.ctypes.data + 6 * 4
    assert not columns.is_row_major()
    # Dimensions of size 1 may have any stride.
    assert _dlpack.read_capsule(a[:1].__dlpack__(**kwargs)).is_row_major()


def test_read_only_flag():
    a = np.zeros((2, 3), np.float32)
    a.flags.writeable = False
    assert _dlpack.read_capsule(a.__dlpack__(max_version=(1, 0))).read_only


def test_consuming_a_capsule_calls_the_deleter_once():
    a = np.zeros((3, 5), np.float32)
    before = sys.getrefcount(a)
    capsule = a.__dlpack__(max_version=(1, 0))
    assert sys.getrefcount(a) == before + 1  # numpy's export holds the array
    view, release = _dlpack.consume_capsule(capsule)
    assert view.data == a.ctypes.data
    with pytest.raises(TypeError, match="not an unused DLPack capsule"):
        _dlpack.read_capsule(capsule)  # renamed used_dltensor_versioned
    del capsule  # its destructor leaves the tensor to us now
    assert sys.getrefcount(a) == before + 1
    release()
    assert sys.getrefcount(a) == before


def test_hand_built_capsules():
    t = Tensor(0x1000, (3, 4), dtype=(10, 8), device=(2, 3), strides=(1, 3),
               byte_offset=16, read_only=True)
    view = _dlpack.read_capsule(t.__dlpack__())
    assert (view.device_type, view.device_id) == (2, 3)
    assert view.type_name == "float8_e4m3fn"
    assert (view.shape, view.strides, view.data) == ((3, 4), (1, 3), 0x1010)
    assert view.read_only and not view.is_row_major()
    t.managed.major = 2
    with pytest.raises(BufferError, match="DLPack 2.0 tensors are not supported"):
        _dlpack.read_capsule(t.__dlpack__())
    with pytest.raises(TypeError, match="not an unused DLPack capsule"):
        _dlpack.read_capsule(object())


def test_cuda_types_match_numpy():
    for name, (code, bits) in _dlpack.DLPACK_TYPES.items():
        assert qnk.DTYPES[name].itemsize * 8 == bits
        assert _dlpack.type_name(code, bits) == qnk.DTYPES[name].name, name


# --- compiling CUDA libraries ---------------------------------------------


def test_compile_library_cuda_options(tmp_path):
    module = qnk.matmul("bf16", "bf16", M, N, K)
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda'"):
        qnk.compile_library(module, tmp_path / "x.so", device="gpu")
    with pytest.raises(ValueError, match="options of device='cuda'"):
        qnk.compile_library(module, tmp_path / "x.so", pointers="device")
    with pytest.raises(ValueError, match="pointers must be 'host' or 'device'"):
        qnk.compile_library(module, tmp_path / "x.so", device="cuda",
                            pointers="unified")


def test_device_pointers_refuse_host_code(libraries, tmp_path):
    # The result is the argument itself: host code would have to copy it.
    source = """func.func @f(%a: tensor<4x4xbf16>) -> tensor<4x4xbf16> {
  return %a : tensor<4x4xbf16>
}"""
    with pytest.raises(qnk.CompileError,
                       match=r"input\.mlir:2:3: error: with device pointers "
                             r"\(pointers=device\).*a result is not a "
                             r"qnk.matmul's"):
        qnk.compile_library(source, tmp_path / "f.so", "f", device="cuda",
                            chip="sm_90a", pointers="device")


def test_cuda_header(libraries):
    text = libraries["device"].with_suffix(".h").read_text()
    assert "The kernels run on an NVIDIA GPU (sm_90a): the buffers are device memory" in text
    assert "void matmul(const uint16_t *arg0, const uint16_t *arg1, float *result0);" in text


# --- calling them on the fake driver --------------------------------------


def test_device_pointer_kernel(libraries, fake, rng):
    kernel = qnk.load(libraries["device"], device="cuda:1")
    assert isinstance(kernel, qnk.CUDAKernel)
    assert (kernel.device, kernel.chip, kernel.pointers) == ("cuda:1", "sm_90a", "device")
    assert repr(kernel) == (
        "<qnk.CUDAKernel matmul(arg0: tensor<20x40xbf16>, arg1: "
        "tensor<24x40xbf16>) -> tensor<20x24xf32> on cuda:1 (sm_90a, device "
        "pointers)>")
    a, b = _operands(rng)
    a_dev = qnk.CUDAArray.from_numpy(a, "cuda:1")
    b_dev = qnk.CUDAArray.from_numpy(b, device=1)
    assert a_dev.device == "cuda:1" and a_dev.type == "bf16"
    np.testing.assert_array_equal(a_dev.numpy(), a)

    launches = fake.fakeCudaGetLaunchCount()
    c = kernel(a_dev, b_dev)
    assert fake.fakeCudaGetLaunchCount() == launches + 1
    assert isinstance(c, qnk.CUDAArray)
    assert (c.shape, c.type, c.dtype, c.device) == ((M, N), "f32", np.float32, "cuda:1")
    assert c.data_ptr % 16 == 0
    # A result shares its memory through DLPack, either version.
    for kwargs in ({}, {"max_version": (1, 1)}):
        view, release = _dlpack.consume_capsule(c.__dlpack__(**kwargs))
        assert (view.device_type, view.device_id, view.data) == (2, 1, c.data_ptr)
        assert (view.shape, view.type_name, view.strides) == ((M, N), "float32", (N, 1))
        release()
    assert c.__dlpack_device__() == (2, 1)
    with pytest.raises(BufferError, match="exports to that device only"):
        c.__dlpack__(dl_device=(1, 0))
    with pytest.raises(BufferError, match="without copying only"):
        c.__dlpack__(copy=True)

    out = qnk.CUDAArray((M, N), "f32", "cuda:1")
    assert kernel(a_dev, b_dev, out=out) is out
    assert kernel(a_dev, b_dev, out=(out,)) == (out,)
    assert fake.fakeCudaGetLaunchCount() == launches + 3
    # Hand-built tensors over device memory are taken as they are.
    assert isinstance(kernel(Tensor(a_dev.data_ptr, (M, K), versioned=False),
                             Tensor(b_dev.data_ptr, (N, K))), qnk.CUDAArray)


def test_device_pointer_kernel_errors(libraries, rng):
    kernel = qnk.load(libraries["device"], device="cuda:1")
    a, b = _operands(rng)
    a_dev, b_dev = (qnk.CUDAArray.from_numpy(x, "cuda:1") for x in (a, b))

    def fails(error, pattern, *tensors, **kwargs):
        with pytest.raises(error, match=pattern):
            kernel(*tensors, **kwargs)

    fails(TypeError, r"takes 2 tensor\(s\) but 1 were given", a_dev)
    fails(TypeError, r"argument 0: a tensor on the CPU; this entry takes device "
          r"pointers on cuda:1: move it there first", a, b_dev)
    fails(TypeError, "argument 1: expected a CUDA tensor .* got list", a_dev, [1])
    fails(TypeError, r"argument 1: expected dtype bfloat16 \(bf16\), got float32",
          a_dev, qnk.CUDAArray((N, K), "f32", "cuda:1"))
    fails(ValueError, r"argument 0: expected shape \(20, 40\) "
          r"\(tensor<20x40xbf16>\), got \(40, 20\)",
          qnk.CUDAArray((K, M), "bf16", "cuda:1"), b_dev)
    fails(ValueError, "argument 0: a tensor on cuda:0, but the kernels were "
          "loaded on cuda:1", qnk.CUDAArray((M, K), "bf16", "cuda:0"), b_dev)
    fails(ValueError, r"argument 0: not contiguous \(strides \(1, 20\)\)",
          Tensor(a_dev.data_ptr, (M, K), strides=(1, M)), b_dev)
    fails(ValueError, "argument 1: its data .* is not 16-byte aligned",
          a_dev, Tensor(b_dev.data_ptr, (N, K), byte_offset=2))
    fails(TypeError, "argument 0: a tensor in CUDA host memory",
          Tensor(a_dev.data_ptr, (M, K), device=(3, 0)), b_dev)
    fails(TypeError, r"returns 1 tensor\(s\) but out= has 2", a_dev, b_dev,
          out=(a_dev, b_dev))
    fails(ValueError, r"out\[0\]: the tensor is read-only", a_dev, b_dev,
          out=Tensor(qnk.CUDAArray((M, N), "f32", 1).data_ptr, (M, N),
                     dtype=(2, 32), read_only=True))
    fails(TypeError, r"out\[0\]: expected dtype float32 \(f32\), got bfloat16",
          a_dev, b_dev, out=a_dev)
    with pytest.raises(ValueError, match="CUDA arrays of i4 are not supported"):
        qnk.CUDAArray((2, 2), "i4", 1)


def test_runtime_errors_become_exceptions(libraries, fake, rng):
    kernel = qnk.load(libraries["device"], device="cuda:1")
    a_dev, b_dev = (qnk.CUDAArray.from_numpy(x, 1) for x in _operands(rng))
    set_timeout = ctypes.CDLL(qnk._cuda.runtime().path).qnkCudaSetSyncTimeout
    set_timeout.argtypes = [ctypes.c_double]
    set_timeout(0.05)
    fake.fakeCudaSetHang(1)
    try:
        with pytest.raises(qnk.CUDAError) as info:
            kernel(a_dev, b_dev)
    finally:
        fake.fakeCudaSetHang(0)
        set_timeout(300)
    assert info.value.status == "QNK_CUDA_ERROR_TIMEOUT"
    assert "did not finish within 0.05 s" in str(info.value)
    kernel(a_dev, b_dev)  # the error was cleared: the next call runs


def test_loading_on_the_wrong_gpu(libraries, tmp_path):
    qnk.load(libraries["device"], device="cuda:1")
    with pytest.raises(qnk.QNKError, match="is loaded already, with its kernels "
                       "on cuda:1"):
        qnk.load(libraries["device"], device="cuda:0")
    for name, device, status, message in [
            ("sm80", "cuda:0", "QNK_CUDA_ERROR_WRONG_ARCH",
             r"cubin is for sm_90a but device 0 \(Fake A100, sm_80\) cannot run it"),
            ("none", 7, "QNK_CUDA_ERROR_NO_DEVICE",
             r"no CUDA device 7 \(the driver sees 2\)")]:
        copy = tmp_path / f"libmm_{name}.so"
        shutil.copy(libraries["device"], copy)
        shutil.copy(libraries["device"].with_suffix(".h"), copy.with_suffix(".h"))
        with pytest.raises(qnk.CUDAError, match=message) as info:
            qnk.load(copy, device=device)
        assert info.value.status == status
    with pytest.raises(ValueError, match="runs on a GPU"):
        qnk.load(libraries["device"], device="cpu")
    with pytest.raises(ValueError, match="device must be 'cuda', 'cuda:N'"):
        qnk.load(libraries["device"], device="tpu")


def test_host_pointer_kernel(libraries, fake, rng):
    kernel = qnk.load(libraries["host"], device="cuda:1")
    assert (kernel.pointers, kernel.device) == ("host", "cuda:1")
    a, b = _operands(rng)
    launches = fake.fakeCudaGetLaunchCount()
    c = kernel(a, b)  # numpy in and out: the entry copies
    assert fake.fakeCudaGetLaunchCount() == launches + 1
    assert isinstance(c, np.ndarray) and (c.shape, c.dtype) == ((M, N), np.float32)
    with pytest.raises(TypeError, match="out= is for entries that take device "
                       "pointers"):
        kernel(a, b, out=c)
    with pytest.raises(TypeError, match="this kernel takes host memory"):
        kernel(qnk.CUDAArray.from_numpy(a, 1), b)


def test_no_driver(libraries, tmp_path):
    copy = tmp_path / "libmm.so"
    shutil.copy(libraries["device"], copy)
    shutil.copy(libraries["device"].with_suffix(".h"), copy.with_suffix(".h"))
    script = f"""
import qnk
try:
    qnk.load({str(copy)!r})
except qnk.CUDAError as error:
    print(error.status)
    print(error)
"""
    env = dict(os.environ, QNK_CUDA_DRIVER="/nonexistent/libcuda.so.1")
    proc = subprocess.run([sys.executable, "-c", script], env=env,
                          capture_output=True, text=True, check=True)
    lines = proc.stdout.splitlines()
    assert lines[0] == "QNK_CUDA_ERROR_NO_DRIVER"
    assert lines[1].startswith("cannot run libmm.so on cuda:0: "
                               "QNK_CUDA_ERROR_NO_DRIVER: initializing CUDA: "
                               "no CUDA driver: dlopen /nonexistent/libcuda.so.1 "
                               "failed"), lines[1]


def test_import_without_the_extension(libraries):
    """The package from the source tree has no extension: what a GPU machine
    without MLIR has. Loading and calling CUDA libraries works; compiling
    raises QNKError."""
    script = f"""
import ml_dtypes, numpy as np, qnk
try:
    qnk.compile("", "f")
except qnk.QNKError as error:
    print("compile:", error)
kernel = qnk.load({str(libraries["device"])!r}, device="cuda:1")
a = qnk.CUDAArray.from_numpy(np.ones(({M}, {K}), ml_dtypes.bfloat16), 1)
b = qnk.CUDAArray(({N}, {K}), "bf16", 1)
print("result:", kernel(a, b))
"""
    env = dict(os.environ, PYTHONPATH=str(REPO / "python"),
               QNK_CUDA_DRIVER=str(_fake_driver()),
               QNK_CUDA_RUNTIME=qnk.find_cuda_runtime())
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd="/",
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "compile: the qnk compiler extension (qnk._qnk) cannot be imported" in proc.stdout
    assert "result: <qnk.CUDAArray 20x24xf32 on cuda:1>" in proc.stdout
