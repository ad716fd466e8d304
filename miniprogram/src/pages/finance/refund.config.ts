export default definePageConfig({
  navigationBarTitleText: '办理退款',
})
