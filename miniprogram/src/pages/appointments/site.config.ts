export default definePageConfig({
  navigationBarTitleText: '选择业务',
})
