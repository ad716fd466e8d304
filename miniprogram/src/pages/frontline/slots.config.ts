export default definePageConfig({
  navigationBarTitleText: '时段调整',
})
