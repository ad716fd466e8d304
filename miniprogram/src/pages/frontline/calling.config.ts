export default definePageConfig({
  navigationBarTitleText: '叫号',
})
