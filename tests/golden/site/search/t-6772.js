CatalogSearch.add("t","gr",{"grokking":"0_","grokking algorithmic":"0T","grokking generalization":"0X"});
