//===- MxTensorTypeTest.cpp - storage shapes of !mx.tensor --------------===//
//
// Part of mxir.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/Mx/IR/MxTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::mx;

namespace {

class MxTensorTypeTest : public ::testing::Test {
protected:
  MxTensorTypeTest() { context.loadDialect<MxDialect>(); }
  MxTensorType get(ArrayRef<int64_t> shape, Format format, int64_t axis,
                   int64_t block = 32) {
    return MxTensorType::get(&context, shape, format, axis, block);
  }
  MLIRContext context;
};

TEST_F(MxTensorTypeTest, PackedShapeFollowsTheBlockedAxis) {
  using Shape = SmallVector<int64_t>;
  EXPECT_EQ(get({4, 64}, Format::e4m3, 1).getPackedShape(), Shape({4, 64}));
  EXPECT_EQ(get({4, 64}, Format::int8, 1).getPackedShape(), Shape({4, 64}));
  // FP4: two codes a byte along the blocked axis.
  EXPECT_EQ(get({4, 64}, Format::e2m1, 1).getPackedShape(), Shape({4, 32}));
  EXPECT_EQ(get({64, 3}, Format::e2m1, 0).getPackedShape(), Shape({32, 3}));
  // FP6: four codes in three bytes.
  EXPECT_EQ(get({64, 8}, Format::e2m3, 0).getPackedShape(), Shape({48, 8}));
  EXPECT_EQ(get({2, 3, 32}, Format::e3m2, 2).getPackedShape(),
            Shape({2, 3, 24}));
}

TEST_F(MxTensorTypeTest, OneScalePerBlock) {
  using Shape = SmallVector<int64_t>;
  EXPECT_EQ(get({4, 64}, Format::e4m3, 1).getScalesShape(), Shape({4, 2}));
  EXPECT_EQ(get({64, 3}, Format::e2m1, 0, 16).getScalesShape(),
            Shape({4, 3}));
  EXPECT_TRUE(isa<Float8E8M0FNUType>(
      get({4, 64}, Format::e4m3, 1).getScalesTensorType().getElementType()));
}

TEST_F(MxTensorTypeTest, ElementTypes) {
  EXPECT_TRUE(isa<Float8E4M3FNType>(get({32}, Format::e4m3, 0).getElementType()));
  EXPECT_TRUE(isa<Float8E5M2Type>(get({32}, Format::e5m2, 0).getElementType()));
  EXPECT_TRUE(isa<Float6E2M3FNType>(get({32}, Format::e2m3, 0).getElementType()));
  EXPECT_TRUE(isa<Float6E3M2FNType>(get({32}, Format::e3m2, 0).getElementType()));
  EXPECT_TRUE(isa<Float4E2M1FNType>(get({32}, Format::e2m1, 0).getElementType()));
  EXPECT_TRUE(get({32}, Format::int8, 0).getElementType().isInteger(8));
}

TEST_F(MxTensorTypeTest, VerifierRejectsBadParameters) {
  auto loc = UnknownLoc::get(&context);
  auto emit = [&] { return emitError(loc); };
  // Diagnostics are expected here; keep them off stderr.
  ScopedDiagnosticHandler silence(&context, [](Diagnostic &) {
    return success();
  });
  EXPECT_FALSE(MxTensorType::getChecked(emit, &context, {4, 48}, Format::e4m3,
                                        1, 32));
  EXPECT_FALSE(MxTensorType::getChecked(emit, &context, {4, 64}, Format::e4m3,
                                        2, 32));
  EXPECT_FALSE(MxTensorType::getChecked(emit, &context, {4, 12}, Format::e2m3,
                                        1, 6));
  EXPECT_FALSE(
      MxTensorType::getChecked(emit, &context, {}, Format::e4m3, 0, 32));
  EXPECT_TRUE(MxTensorType::getChecked(emit, &context, {4, 12}, Format::e2m3,
                                       1, 4));
}

} // namespace
