export default definePageConfig({
  navigationBarTitleText: '收款与退款',
})
