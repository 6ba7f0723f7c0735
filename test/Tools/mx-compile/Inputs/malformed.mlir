func.func @broken(%x: f32) -> f32 {
  %y = arith.addf %x, %x : f32
  return %z : f32
}
