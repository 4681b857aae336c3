// A vector addition written with the gpu dialect, as the input of the
// runtime/harness tests until QNK's CUDA pipeline produces entries itself:
// upstream gpu-module-to-binary + gpu-to-llvm turn it into host code calling
// the mgpu* runtime. N = 1000003 is no multiple of the 256-thread block.
//   vadd_host:   host buffers in, the entry copies (as QNK's CUDA entries do);
//   vadd_device: device buffers in, the entry only launches.
module attributes {gpu.container_module} {
  gpu.module @kernels [#nvvm.target<chip = "CHIP">] {
    gpu.func @vadd(%a: memref<1000003xf32>, %b: memref<1000003xf32>,
                   %c: memref<1000003xf32>) kernel {
      %n = arith.constant 1000003 : index
      %bid = gpu.block_id x
      %bdim = gpu.block_dim x
      %tid = gpu.thread_id x
      %t = arith.muli %bid, %bdim : index
      %i = arith.addi %t, %tid : index
      %in = arith.cmpi ult, %i, %n : index
      scf.if %in {
        %x = memref.load %a[%i] : memref<1000003xf32>
        %y = memref.load %b[%i] : memref<1000003xf32>
        %s = arith.addf %x, %y : f32
        memref.store %s, %c[%i] : memref<1000003xf32>
      }
      gpu.return
    }
  }
  func.func @vadd_host(%ha: memref<1000003xf32>, %hb: memref<1000003xf32>,
                       %hc: memref<1000003xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %blocks = arith.constant 3907 : index
    %t0 = gpu.wait async
    %da, %t1 = gpu.alloc async [%t0] () : memref<1000003xf32>
    %db, %t2 = gpu.alloc async [%t1] () : memref<1000003xf32>
    %dc, %t3 = gpu.alloc async [%t2] () : memref<1000003xf32>
    %t4 = gpu.memcpy async [%t3] %da, %ha : memref<1000003xf32>, memref<1000003xf32>
    %t5 = gpu.memcpy async [%t4] %db, %hb : memref<1000003xf32>, memref<1000003xf32>
    %t6 = gpu.launch_func async [%t5] @kernels::@vadd
        blocks in (%blocks, %c1, %c1) threads in (%c256, %c1, %c1)
        args(%da : memref<1000003xf32>, %db : memref<1000003xf32>, %dc : memref<1000003xf32>)
    %t7 = gpu.memcpy async [%t6] %hc, %dc : memref<1000003xf32>, memref<1000003xf32>
    %t8 = gpu.dealloc async [%t7] %da : memref<1000003xf32>
    %t9 = gpu.dealloc async [%t8] %db : memref<1000003xf32>
    %t10 = gpu.dealloc async [%t9] %dc : memref<1000003xf32>
    gpu.wait [%t10]
    return
  }
  func.func @vadd_device(%da: memref<1000003xf32>, %db: memref<1000003xf32>,
                         %dc: memref<1000003xf32>) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %blocks = arith.constant 3907 : index
    %t0 = gpu.wait async
    %t1 = gpu.launch_func async [%t0] @kernels::@vadd
        blocks in (%blocks, %c1, %c1) threads in (%c256, %c1, %c1)
        args(%da : memref<1000003xf32>, %db : memref<1000003xf32>, %dc : memref<1000003xf32>)
    gpu.wait [%t1]
    return
  }
}
