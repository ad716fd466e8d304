export default definePageConfig({
  navigationBarTitleText: '出生医学证明审核',
})
