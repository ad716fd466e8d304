export default definePageConfig({
  navigationBarTitleText: '静态码',
})
